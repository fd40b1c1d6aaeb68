"""API benchmark: the task list (a page of 50 of 10,000 tasks) through the production web
role over real sockets, vs the same view as plain DRF outside tenancy, in one run.

    uv run python -m tests.bench.bench_api [--tasks 10000] [--seconds 15] [--rounds 2]
        [--connections 16] [--auth session|token]

Both servers start through deploy/entrypoint.sh (ROLE=web: uvicorn, 2 workers, the psycopg
pool) under production settings (tests/bench/api_settings.py: config.settings.prod with
the rate limits raised out of the way), on the machine's PostgreSQL and Redis, as
bench_serving.py does (its helpers are reused). The control is serving_plain_settings.py:
the same project, middleware, view, serializer and pagination minus tenancy (Django's own
backend, the organization's schema fixed on the search_path). wrk sends
GET /api/v1/tasks/?page_size=50 with a signed-in member's session (or, with --auth token,
the member's personal API token, the same to both servers) and checks every answer
is a 200 page of tasks. Prints requests/s, p50/p95 latency, the ratio to the control, and
the web workers' CPU time per request (user + system, from psutil around each round).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.bench.bench_serving import ROOT, _admin_url, _free_port, _start_web, _worker_rss

LUA = Path(__file__).with_name("api.lua")
PATH = "/api/v1/tasks/?page_size=50"
MARKER = '"title":"Task '


def _setup(tasks: int, target: Path) -> None:
    """Child process under the benchmark's settings: the public schema, one organization
    from the template, a signed-in member, `tasks` tasks in 20 projects, 5 tags; analyzed."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.db import connection, transaction
    from django_tenants.utils import schema_context, tenant_context

    from shared_apps.tenants.audit import Actor
    from shared_apps.tenants.models import Domain, Organization
    from shared_apps.tenants.provisioning.template import (
        schema_build_from_template,
        template_refresh,
    )
    from shared_apps.tenants.runtime.sessions import SessionStore
    from tenant_apps.accounts.services import member_create
    from tenant_apps.api.tokens import token_create
    from tenant_apps.tracker.models import Project, Tag, Task

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    started = time.perf_counter()
    organization = Organization.objects.create(
        name="Bench API", slug="bench-api", schema_name="org_bench_api",
        status=Organization.Status.ACTIVE,
    )  # fmt: skip
    Domain.objects.create(
        domain="bench-api.localhost", tenant=organization, is_primary=True, is_verified=True
    )
    snapshot = template_refresh()
    with transaction.atomic():
        schema_build_from_template(organization.schema_name, snapshot)
    with schema_context(organization.schema_name):
        user = member_create(email="member@bench-api.test", password=None)
        projects = Project.objects.bulk_create(
            Project(name=f"Project {i}", created_by=user) for i in range(20)
        )
        tags = Tag.objects.bulk_create(Tag(name=f"tag-{i}") for i in range(5))
        rows = Task.objects.bulk_create(
            (Task(project=projects[i % 20], title=f"Task {i}", assignee=user, created_by=user,
                  priority=Task.Priority.values[i % 4]) for i in range(tasks)),
            batch_size=2000,
        )  # fmt: skip
        Task.tags.through.objects.bulk_create(
            (Task.tags.through(task_id=t.pk, tag_id=tags[t.pk % 5].pk) for t in rows),
            batch_size=5000,
        )
        # Planner statistics, as autovacuum would gather them within a minute or so: without
        # them the list's plan joins and sorts all the tasks (~20 ms), and changes when
        # autovacuum catches up, in the middle of a run.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
    with tenant_context(organization):
        _token, token = token_create(
            user=user, name="bench", scope="read", lifetime_days=1, actor=Actor.command_line()
        )
    target.write_text(
        json.dumps({"host": "bench-api.localhost", "session": session.session_key,
                    "token": token, "schema": organization.schema_name,
                    "name": organization.name})
    )  # fmt: skip
    print(f"set up {tasks} tasks in {time.perf_counter() - started:.0f} s")


def _wrk(port: int, target: dict, connections: int, seconds: float, auth: str) -> dict:
    credential = {"session": {"BENCH_SESSION": target["session"]},
                  "token": {"BENCH_TOKEN": target["token"]}}[auth]  # fmt: skip
    result = subprocess.run(
        ["wrk", f"-t{min(connections, 4)}", f"-c{connections}", f"-d{seconds:g}s",
         "--timeout", "10s", "-s", str(LUA), f"http://127.0.0.1:{port}/"],
        env={**os.environ, **credential, "BENCH_HOST": target["host"],
             "BENCH_MARKER": MARKER, "BENCH_PATH": PATH},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"^RESULT (.*)$", result.stdout, re.MULTILINE)
    assert match, result.stdout + result.stderr
    figures = json.loads(match.group(1))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    if figures["a_failed_status"]:
        print(f"  (port {port}: a non-200 answer was {figures['a_failed_status']})")
    return figures


def _workers_cpu_seconds(main_pid: int) -> float:
    """CPU time (user + system) the uvicorn workers have used so far: per request, a
    measure that the machine's load disturbs far less than requests per second."""
    import psutil

    workers = [
        child
        for child in psutil.Process(main_pid).children()
        if "spawn_main" in " ".join(child.cmdline())
    ]
    return sum(w.cpu_times().user + w.cpu_times().system for w in workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--auth", choices=["session", "token"], default="session")
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/tenantry_bench_api"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        _setup(args.tasks, Path(args.setup))
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    import psycopg
    import redis

    database = urlsplit(args.database_url).path.lstrip("/")
    with psycopg.connect(_admin_url(args.database_url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')
    redis.Redis.from_url(args.redis_url).flushdb()
    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "tests.bench.api_settings",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "PLATFORM_DOMAIN": "localhost",
        "LOG_LEVEL": "WARNING",
        "UVICORN_ACCESS_LOG": "false",
        "WEB_CONCURRENCY": "2",
        "SCHEMA_POOL_SIZE": "0",
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "PYTHON": sys.executable,
    }
    servers: dict[str, subprocess.Popen] = {}
    try:
        subprocess.run(["bash", "deploy/build.sh"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        target_file = workdir / "target.json"
        subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_api", "--setup", str(target_file),
             "--tasks", str(args.tasks)], cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        target = json.loads(target_file.read_text())
        plain_env = {
            **env,
            "BENCH_PLAIN_SCHEMA": target["schema"],
            "BENCH_PLAIN_NAME": target["name"],
        }
        ports = {"tenantry": _free_port(), "plain": _free_port()}
        servers["tenantry"] = _start_web(env, ports["tenantry"], workdir / "tenantry.log")
        servers["plain"] = _start_web(plain_env, ports["plain"], workdir / "plain.log")
        for port in ports.values():  # warm: imports, pools, routing cache
            _wrk(port, target, args.connections, 3, args.auth)
        load_start = os.getloadavg()
        rss_start = {v: _worker_rss(s.pid) for v, s in servers.items()}
        samples: dict[str, list[dict]] = {"tenantry": [], "plain": []}
        for _round in range(args.rounds):
            for variant, port in ports.items():
                cpu_before = _workers_cpu_seconds(servers[variant].pid)
                figures = _wrk(port, target, args.connections, args.seconds, args.auth)
                cpu = _workers_cpu_seconds(servers[variant].pid) - cpu_before
                figures["cpu_ms"] = 1000 * cpu / max(figures["requests"], 1)
                samples[variant].append(figures)
        rss_end = {v: _worker_rss(s.pid) for v, s in servers.items()}
        load_end = os.getloadavg()
        for variant, rounds in samples.items():
            if any(s["non_200"] or s["socket_errors"] or s["wrong"] for s in rounds):
                print(f"--- {variant}'s log (errors) ---")
                print((workdir / f"{variant}.log").read_text()[-4000:])
    finally:
        for server in servers.values():
            os.killpg(server.pid, 15)
            server.wait(timeout=60)
        with psycopg.connect(_admin_url(args.database_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        redis.Redis.from_url(args.redis_url).flushdb()
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\nAPI benchmark: GET {PATH} ({args.tasks} tasks in the organization), "
        + ("a signed-in member's session" if args.auth == "session" else "a member's API token")
        + "; production web role (uvicorn, 2 workers, psycopg pool) over real"
        f" sockets; wrk, {args.connections} keep-alive connections; {args.rounds} alternating"
        f" rounds of {args.seconds:g} s"
    )
    print(
        f"command: uv run python -m tests.bench.bench_api --tasks {args.tasks} "
        f"--seconds {args.seconds:g} --rounds {args.rounds} --connections {args.connections}"
        f" --auth {args.auth}"
    )
    print(
        "load average (1/5/15 min): "
        f"{' / '.join(f'{x:.2f}' for x in load_start)} before the rounds, "
        f"{' / '.join(f'{x:.2f}' for x in load_end)} after\n"
    )
    print(
        f"{'variant':<10} {'req/s':>8} {'vs plain':>9} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'CPU ms/req':>10} {'errors':>7} {'wrong':>6} {'checked':>8}"
        "  worker RSS MiB start → end"
    )
    plain_rps = [s["rps"] for s in samples["plain"]]
    for variant, rounds in samples.items():
        ratio = statistics.median(
            r / p for r, p in zip((s["rps"] for s in rounds), plain_rps, strict=True)
        )
        errors = sum(s["socket_errors"] + s["non_200"] for s in rounds)
        print(
            f"{variant:<10} {statistics.median(s['rps'] for s in rounds):>8.0f} {ratio:>8.2f}x "
            f"{statistics.median(s['p50_us'] for s in rounds) / 1000:>8.1f} "
            f"{max(s['p95_us'] for s in rounds) / 1000:>8.1f} "
            f"{statistics.median(s['cpu_ms'] for s in rounds):>10.1f} {errors:>7} "
            f"{sum(s['wrong'] for s in rounds):>6} {sum(s['checked'] for s in rounds):>8}  "
            f"{rss_start[variant]} → {rss_end[variant]}"
        )


if __name__ == "__main__":
    main()
