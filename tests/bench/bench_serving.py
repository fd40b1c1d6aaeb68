"""Serving benchmark: the production web role over real sockets vs a plain Django control.

    uv run python -m tests.bench.bench_serving [--organizations 1000] [--seconds 20]
        [--rounds 2] [--connections 64]

Both servers are started through deploy/entrypoint.sh (ROLE=web: uvicorn, 2 workers,
Django's psycopg pool) under config.settings.prod, on a PostgreSQL server of the
benchmark's own (started for the run, under a temporary directory, with
max_connections = 100 and the settings docs/deploy.md gives for thousands of schemas:
shared_buffers --shared-buffers, default 2GB, and max_files_per_process 10000), or with
--database-url a database on a server of yours (created, dropped at the end); and
Redis (--redis-url, a database number of its own). Tenantry serves `--organizations`
organizations, each with a signed-in member; the control (serving_plain_settings.py) is the
same project, middleware, pool, sessions and page minus tenancy, on one organization's
schema, serving as many members (each signed in with a session of its own) as Tenantry
serves organizations: what a plain Django app with that many customers does. (Until
2026-12-02 the control served one member's session over and over, which hid the cost of
1,000 distinct users and sessions from it.) Debian's `wrk` drives both the same way:
`--connections` keep-alive connections, each request to the next organization's host
with its member's session (serving.lua; the control: the next member's session), and
every answer checked for that organization's name. Rounds alternate between the two.
After the build the database is vacuumed, analyzed and checkpointed (as a database in
service has long been), so that no autovacuum of the new catalogs runs beside the rounds.
A warm-up round of each (as long as a measured round) comes first; with
`--warmup-visits N` it repeats until each variant has served N requests per
organization. Prints requests/s, p50/p99 latency, errors, wrong-organization answers,
the ratio to the control, CPU per request (uvicorn workers, PostgreSQL backends), and
each uvicorn worker's RSS after the warm-up and after every round (caches fill in the
warm-up; growth after it is a leak).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
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
from urllib.parse import urlsplit, urlunsplit

from config.env import embedded_database_url
from shared_apps.localdev.embedded import EmbeddedServices

ROOT = Path(__file__).resolve().parents[2]
LUA = Path(__file__).with_name("serving.lua")
# Each answer must carry its organization's name as the header shows it.
_MARKER = ">{}</span></a>"
_PREFIX, _SUFFIX = _MARKER.split("{}")


def _plain_targets(targets: Path) -> Path:
    return targets.with_name("plain.tsv")


def _admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def _setup(organizations: int, targets: Path) -> None:
    """Child process under config.settings.prod: the public schema, the template, then
    `organizations` organizations built from it in bulk (as the template path builds one),
    each with a member and a signed-in session; and, for the control, as many members with
    a session each in the first organization's schema (plain Django serving as many
    customers from one schema)."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.db import transaction
    from django_tenants.utils import schema_context

    from shared_apps.tenants.models import Domain, Organization
    from shared_apps.tenants.provisioning.template import (
        schema_build_from_template,
        template_refresh,
    )
    from shared_apps.tenants.runtime.sessions import SessionStore
    from tenant_apps.accounts.services import member_create

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    started = time.perf_counter()
    snapshot = template_refresh()
    organizations_ = Organization.objects.bulk_create(
        Organization(name=f"Bench {i:04d}", slug=f"bench-{i:04d}", schema_name=f"org_bench_{i:04d}",
                     status=Organization.Status.ACTIVE)
        for i in range(organizations)
    )  # fmt: skip
    Domain.objects.bulk_create(
        Domain(domain=f"{org.slug}.localhost", tenant=org, is_primary=True, is_verified=True)
        for org in organizations_
    )
    # A few schemas per transaction: each takes a lock per table it creates, and 50 schemas
    # of today's tenant apps pass PostgreSQL's default lock table (64 per connection).
    for first in range(0, organizations, 10):
        with transaction.atomic():
            for organization in organizations_[first : first + 10]:
                schema_build_from_template(organization.schema_name, snapshot)

    def signed_in(email: str) -> str:
        user = member_create(email=email, password=None)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return session.session_key

    lines, plain_lines = [], []
    for index, organization in enumerate(organizations_):
        with schema_context(organization.schema_name):
            session_key = signed_in(f"member@bench{index}.test")
        lines.append(
            f"{organization.slug}.localhost\t{session_key}\t{_MARKER.format(organization.name)}"
            f"\t{organization.schema_name}"
        )
    first = organizations_[0]
    with schema_context(first.schema_name):
        for index in range(organizations):
            session_key = signed_in(f"customer{index}@plain.test")
            plain_lines.append(
                f"{first.slug}.localhost\t{session_key}\t{_MARKER.format(first.name)}"
            )
    targets.write_text("\n".join(lines) + "\n")
    _plain_targets(targets).write_text("\n".join(plain_lines) + "\n")
    print(f"set up {organizations} organizations in {time.perf_counter() - started:.0f} s")


# What the server is asked for (with --shared-buffers): connections as on the machine's default, and
# the two settings a schema-per-tenant database needs sized (docs/deploy.md, "PostgreSQL for
# thousands of schemas"): every organization has its own tables and indexes, so the pages a
# request reads, and the files a backend opens, grow with the number of organizations.
_SERVER_SETTINGS = {"max_connections": "100", "max_files_per_process": "10000"}
_PRINTED_SETTINGS = ("max_connections", "shared_buffers", "max_files_per_process")


def _own_postgres(data_dir: Path, shared_buffers: str) -> EmbeddedServices:
    """A PostgreSQL server of the benchmark's own, durable (fsync on), on a unix socket:
    its results then depend on no one's server configuration."""
    server = EmbeddedServices(
        data_dir=data_dir,
        postgres_settings={**_SERVER_SETTINGS, "shared_buffers": shared_buffers},
    )
    server.start(redis=False)
    return server


def _settle(url: str) -> None:
    """Bring the freshly built database to the state a running one is in before timing it:
    the build inserted about 170 catalog rows per organization (pg_class, pg_attribute,
    pg_depend...), which autovacuum would otherwise vacuum and analyze, and the first
    reads set hint bits on, while the rounds run; then a checkpoint writes what that
    dirtied."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")
    print(f"vacuumed, analyzed and checkpointed in {time.perf_counter() - started:.0f} s")


def _workers(main_pid: int) -> list:
    import psutil

    return [
        child
        for child in psutil.Process(main_pid).children()
        if "spawn_main" in " ".join(child.cmdline())
    ]


def _worker_rss(main_pid: int) -> list[int]:
    """Each uvicorn worker's resident memory in MiB (the main process's children)."""
    return [round(worker.memory_info().rss / 2**20) for worker in _workers(main_pid)]


def _cpu_seconds(main_pid: int, database: str) -> dict[str, dict[int, float]]:
    """CPU seconds (user + system) so far of each uvicorn worker of this server and of
    each PostgreSQL backend connected to the bench database (from /proc, via psutil).
    Rounds alternate, so a round's growth in backend CPU is the variant that ran it."""
    import psutil

    def seconds(process: psutil.Process) -> float:
        times = process.cpu_times()
        return times.user + times.system

    workers = {w.pid: seconds(w) for w in _workers(main_pid)}
    backends = {}
    for process in psutil.process_iter(["cmdline", "username"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        # "postgres: 15/main: postgres tenantry_bench_serving 127.0.0.1(40312) idle"
        if cmdline.startswith("postgres:") and f" {database} " in cmdline:
            with contextlib.suppress(psutil.NoSuchProcess):
                backends[process.pid] = seconds(process)
    return {"workers": workers, "backends": backends}


def _cpu_ms_per_request(before: dict, after: dict, requests: int) -> dict[str, float]:
    return {
        kind: sum(t - before[kind].get(pid, 0.0) for pid, t in after[kind].items())
        * 1000
        / max(requests, 1)
        for kind in ("workers", "backends")
    }


def _start_web(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        ["bash", str(ROOT / "deploy" / "entrypoint.sh")],
        env={**env, "ROLE": "web", "PORT": str(port), "HOST": "127.0.0.1"},
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300  # a loaded machine starts Django slowly
    while time.monotonic() < deadline:
        result = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
             f"http://127.0.0.1:{port}/healthz"], capture_output=True, text=True,
        )  # fmt: skip
        if result.stdout == "200":
            return server
        time.sleep(0.5)
    server.kill()
    raise SystemExit(f"the web role never answered /healthz:\n{log.read_text()[-3000:]}")


def _wrk(port: int, targets: Path, connections: int, seconds: float) -> dict:
    result = subprocess.run(
        ["wrk", f"-t{connections}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
         "-s", str(LUA), f"http://127.0.0.1:{port}/", "--", str(connections)],
        env={**os.environ, "BENCH_TARGETS": str(targets)}, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    match = re.search(r"^RESULT (.*)$", result.stdout, re.MULTILINE)
    assert match, result.stdout + result.stderr
    figures = json.loads(match.group(1))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    if figures["a_failed_status"]:
        print(f"  (port {port}: a non-200 answer was {figures['a_failed_status']})")
    return figures


_VARIANTS = {
    "tenantry", "plain", "tenantry-fifo", "tenantry-arena2", "tenantry-pool4", "plain-pool4"
}  # fmt: skip


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--database-url",
        help="a database on a PostgreSQL server of your own (created, and dropped at the end);"
        " default: a server of the benchmark's own, configured as docs/deploy.md says",
    )  # fmt: skip
    parser.add_argument(
        "--shared-buffers", default="2GB",
        help="the benchmark's own server's shared_buffers (default 2GB)",
    )  # fmt: skip
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument(
        "--keep-database", action="store_true",
        help="leave the bench database (1,000 organizations) for experiments",
    )  # fmt: skip
    parser.add_argument(
        "--variants", default="tenantry,plain",
        help="comma-separated, served in this order each round: tenantry, plain (the"
        " control), tenantry-fifo (DATABASE_POOL_SCHEMA_AFFINITY=false: psycopg's own"
        " first-in first-out pool), tenantry-arena2 (MALLOC_ARENA_MAX=2), tenantry-pool4"
        " and plain-pool4 (DATABASE_POOL_MAX_SIZE=4)",
    )  # fmt: skip
    parser.add_argument(
        "--warmup-visits", type=int, default=0,
        help="repeat the warm-up round (at most 8) until each variant has served this many"
        " requests per organization (default: one round)",
    )  # fmt: skip
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    args = parser.parse_args()
    variants = args.variants.split(",")
    if "plain" not in variants or not set(variants) <= _VARIANTS:
        raise SystemExit(f"--variants: some of {sorted(_VARIANTS)}, plain included")
    if args.setup:
        _setup(args.organizations, Path(args.setup))
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    import psycopg
    import redis

    if args.keep_database and args.database_url is None:
        raise SystemExit("--keep-database: the benchmark's own server goes; give --database-url")
    workdir = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    own_server = None
    if args.database_url is None:
        own_server = _own_postgres(workdir / "postgres", args.shared_buffers)
        atexit.register(own_server.stop)  # if the run fails before its own clean-up
        args.database_url = embedded_database_url(own_server.data_dir, "tenantry_bench_serving")
    database = urlsplit(args.database_url).path.lstrip("/")
    with psycopg.connect(_admin_url(args.database_url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')
        server_settings = {
            name: admin.execute(f"SHOW {name}").fetchone()[0] for name in _PRINTED_SETTINGS
        }
    redis.Redis.from_url(args.redis_url).flushdb()
    targets = workdir / "targets.tsv"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
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
        # Static files as the image builds them (the manifest the prod settings read).
        subprocess.run(["bash", "deploy/build.sh"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_serving", "--setup", str(targets),
             "--organizations", str(args.organizations)], cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        _settle(args.database_url)
        rows = [line.split("\t") for line in targets.read_text().splitlines()]
        tenantry_targets = workdir / "tenantry.tsv"
        tenantry_targets.write_text("".join(f"{h}\t{s}\t{m}\n" for h, s, m, _ in rows))
        # The control serves the first organization's schema, as many members signed in.
        plain_targets = _plain_targets(targets)
        plain_env = {
            **env,
            "DJANGO_SETTINGS_MODULE": "tests.bench.serving_plain_settings",
            "BENCH_PLAIN_SCHEMA": rows[0][3],
            "BENCH_PLAIN_NAME": rows[0][2].removeprefix(_PREFIX).removesuffix(_SUFFIX),
        }
        variant_env = {
            "tenantry": env,
            "tenantry-fifo": {**env, "DATABASE_POOL_SCHEMA_AFFINITY": "false"},
            "tenantry-arena2": {**env, "MALLOC_ARENA_MAX": "2"},
            "tenantry-pool4": {**env, "DATABASE_POOL_MAX_SIZE": "4"},
            "plain": plain_env,
            "plain-pool4": {**plain_env, "DATABASE_POOL_MAX_SIZE": "4"},
        }
        ports = {variant: _free_port() for variant in variants}
        for variant in variants:
            servers[variant] = _start_web(
                variant_env[variant], ports[variant], workdir / f"{variant}.log"
            )
        variant_targets = {
            v: plain_targets if v.startswith("plain") else tenantry_targets for v in variants
        }
        # A warm-up round as long as a measured one (imports, pools, the routing cache,
        # every organization's session and templates), then RSS after each round: caches
        # filling show up in the warm-up, growth in the rounds after it.
        # With --warmup-visits N, warm-up rounds repeat (at most 8) until the variant has
        # served N requests per organization: with 2 workers, each worker then has met
        # nearly every organization (routing cache, sessions, backend catalog caches).
        warmup_requests = {variant: 0 for variant in variants}
        for variant, port in ports.items():
            for _warm_round in range(8):
                warm = _wrk(port, variant_targets[variant], args.connections, args.seconds)
                warmup_requests[variant] += warm["requests"]
                if warmup_requests[variant] >= args.warmup_visits * args.organizations:
                    break
            if warm["non_200"] or warm["socket_errors"]:
                # Not counted (the warm-up is not measured), but shown: what failed.
                print(
                    f"--- {variant}'s warm-up: {warm['non_200']} non-200 answers,"
                    f" {warm['socket_errors']} socket errors; its log's errors: ---"
                )
                log = (workdir / f"{variant}.log").read_text().splitlines()
                print("\n".join([line for line in log if "Error" in line][-10:]))
        rss = {v: [_worker_rss(s.pid)] for v, s in servers.items()}
        samples: dict[str, list[dict]] = {variant: [] for variant in variants}
        for _round in range(args.rounds):
            for variant, port in ports.items():
                before = _cpu_seconds(servers[variant].pid, database)
                sample = _wrk(port, variant_targets[variant], args.connections, args.seconds)
                sample["cpu"] = _cpu_ms_per_request(
                    before, _cpu_seconds(servers[variant].pid, database), sample["requests"]
                )
                samples[variant].append(sample)
                rss[variant].append(_worker_rss(servers[variant].pid))
        for variant, rounds in samples.items():
            if any(s["non_200"] or s["socket_errors"] for s in rounds):
                print(f"--- {variant}'s log (errors) ---")
                print((workdir / f"{variant}.log").read_text()[-4000:])
    finally:
        for server in servers.values():
            os.killpg(server.pid, 15)
            server.wait(timeout=60)
        if not args.keep_database:
            with psycopg.connect(_admin_url(args.database_url), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        redis.Redis.from_url(args.redis_url).flushdb()
        if own_server is not None:
            own_server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\nServing benchmark: production web role (uvicorn, 2 workers, psycopg pool) over real"
        f" sockets; wrk, {args.connections} keep-alive connections; {args.organizations}"
        f" organizations round-robin, each request a signed-in member's page;"
        f" {args.rounds} alternating rounds of {args.seconds:g} s; PostgreSQL"
        f" ({'its own server' if own_server else args.database_url}) "
        + ", ".join(f"{name} = {value}" for name, value in server_settings.items())
    )
    print(
        "command: uv run python -m tests.bench.bench_serving "
        f"--organizations {args.organizations} --seconds {args.seconds:g} "
        f"--rounds {args.rounds} --connections {args.connections}"
        + (f" --shared-buffers {args.shared_buffers}" if args.shared_buffers != "2GB" else "")
        + ("" if own_server else f" --database-url {args.database_url}")
        + (f" --variants {args.variants}" if args.variants != "tenantry,plain" else "")
        + (f" --warmup-visits {args.warmup_visits}" if args.warmup_visits else "")
        + "\n"
    )
    header = (
        f"{'variant':<16} {'req/s':>8} {'vs plain':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>7} {'wrong org':>10} {'checked':>9}  worker RSS MiB after warm-up → end"
    )
    print(header)
    plain_rps = [s["rps"] for s in samples["plain"]]
    for variant, rounds in samples.items():
        ratio = statistics.median(
            r / p for r, p in zip((s["rps"] for s in rounds), plain_rps, strict=True)
        )
        errors = sum(s["socket_errors"] + s["non_200"] for s in rounds)
        print(
            f"{variant:<16} {statistics.median(s['rps'] for s in rounds):>8.0f} {ratio:>8.2f}x "
            f"{statistics.median(s['p50_us'] for s in rounds) / 1000:>8.1f} "
            f"{max(s['p99_us'] for s in rounds) / 1000:>8.1f} {errors:>7} "
            f"{sum(s['wrong'] for s in rounds):>10} {sum(s['checked'] for s in rounds):>9}  "
            f"{rss[variant][0]} → {rss[variant][-1]}"
        )
    print("\nCPU ms per request (median of the rounds): uvicorn workers, PostgreSQL backends")
    for variant, rounds in samples.items():
        workers = statistics.median(s["cpu"]["workers"] for s in rounds)
        backends = statistics.median(s["cpu"]["backends"] for s in rounds)
        print(f"  {variant:<16} workers {workers:.2f}  backends {backends:.2f}")
    print("\nwarm-up requests: " + ", ".join(f"{v} {n}" for v, n in warmup_requests.items()))
    print("\nworker RSS MiB after the warm-up, then after each round:")
    for variant, series in rss.items():
        print(f"  {variant:<16} " + "  ".join(",".join(map(str, r)) for r in series))


if __name__ == "__main__":
    main()
