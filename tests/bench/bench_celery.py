"""Celery throughput: Tenantry's tenant-aware tasks vs the same tasks on a plain Celery app.

    uv run python -m tests.bench.bench_celery [--tasks 3000] [--organizations 10] [--rounds 2]

One worker process with 2 pool processes (prefork), real Redis broker, real PostgreSQL.
Each task counts the rows of one organization's `tracker_project` table. Tenant-aware:
queued from that organization's schema with no argument (the task base looks the
organization up, from its cache, and switches schema); plain: the schema passed as an
argument and named in the query. Tasks go round-robin over the organizations, so nearly
every tenant-aware task switches schema. All tasks are queued first; throughput is tasks/s
from the first task done to the last, alternating plain and tenant-aware `--rounds` times;
the best round of each is reported.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "tenantry_bench_celery"
QUEUE = "bench"


def _setup_database(organizations: int) -> None:
    """A fresh database with `organizations` active organizations and their project tables."""
    import django

    django.setup()
    from django.db import connection, connections

    from tests.bench.common import fresh_database

    fresh_database(DATABASE)

    from shared_apps.tenants.models import Organization

    orgs = Organization.objects.bulk_create(
        Organization(name=f"Bench {i}", slug=f"bench-{i:03d}", schema_name=f"org_bench_{i:03d}",
                     status=Organization.Status.ACTIVE)
        for i in range(organizations)
    )  # fmt: skip
    with connection.cursor() as cursor:
        for org in orgs:
            cursor.execute(f'CREATE SCHEMA "{org.schema_name}"')
            cursor.execute(
                f'CREATE TABLE "{org.schema_name}".tracker_project ('
                " id bigserial PRIMARY KEY, name varchar(200) NOT NULL)"
            )
            cursor.execute(
                f'INSERT INTO "{org.schema_name}".tracker_project (name) VALUES (%s)', [org.name]
            )
    connections.close_all()


class _Worker:
    def __init__(self, app: str, log: Path) -> None:
        self.log = log
        argv = [sys.executable, "-m", "celery", "-A", app, "worker", "--loglevel", "INFO",
                "--pool", "prefork", "--concurrency", "2", "--queues", QUEUE,
                "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
        if app == "config":
            argv += ["--include", "tests.bench.celery_bench_tasks"]
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env={**os.environ}, stdout=log.open("w"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 120
        while " ready." not in log.read_text():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"the {app} worker did not start; see {log}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def _run(variant: str, tasks: int, schemas: list[str], log_dir: Path) -> float:
    import redis
    from django.conf import settings
    from django_tenants.utils import schema_context

    from tests.bench import celery_bench_tasks, plain_celery_app

    counter = redis.Redis.from_url(settings.TENANT_ROUTING_REDIS_URL)
    counter.delete(celery_bench_tasks.DONE_KEY)
    app = "config" if variant == "tenant-aware" else "tests.bench.plain_celery_app"
    # Everything is queued before the worker starts, so the producer doesn't compete with
    # the worker for the CPU; the clock runs from the first task done to the last.
    if variant == "tenant-aware":
        for index in range(tasks):
            with schema_context(schemas[index % len(schemas)]):
                celery_bench_tasks.tenant_count.apply_async(queue=QUEUE)
    else:
        for index in range(tasks):
            plain_celery_app.plain_count.apply_async((schemas[index % len(schemas)],), queue=QUEUE)
    worker = _Worker(app, log_dir / f"bench-celery-{variant}.log")
    try:
        while int(counter.get(celery_bench_tasks.DONE_KEY) or 0) < 1:
            time.sleep(0.002)
        started = time.perf_counter()
        while int(counter.get(celery_bench_tasks.DONE_KEY) or 0) < tasks:
            time.sleep(0.005)
        elapsed = time.perf_counter() - started
    finally:
        worker.stop()
    return (tasks - 1) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=3000)
    parser.add_argument("--organizations", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.bench.celery_bench_settings"
    os.environ["BENCH_DATABASE"] = DATABASE
    from config.env import DATA_DIR, embedded_services_needed
    from shared_apps.localdev.embedded import EmbeddedServices

    services = EmbeddedServices(DATA_DIR)
    services.start(**embedded_services_needed())
    try:
        _setup_database(args.organizations)
        schemas = [f"org_bench_{i:03d}" for i in range(args.organizations)]
        best = {"plain": 0.0, "tenant-aware": 0.0}
        for _round in range(args.rounds):
            for variant in best:
                rate = _run(variant, args.tasks, schemas, DATA_DIR)
                print(f"  round {_round + 1}: {variant:<13} {rate:8.0f} tasks/s", flush=True)
                best[variant] = max(best[variant], rate)
    finally:
        services.stop()

    print(f"\nCelery benchmark: {args.tasks} tasks per run, 1 worker x 2 processes, "
          f"{args.organizations} organizations round-robin, best of {args.rounds}")  # fmt: skip
    command = (
        f"uv run python -m tests.bench.bench_celery --tasks {args.tasks}"
        f" --organizations {args.organizations} --rounds {args.rounds}"
    )
    print(f"command: {command}\n")
    print(f"{'variant':<14} {'tasks/s':>8} {'vs plain':>9}")
    for variant, rate in best.items():
        print(f"{variant:<14} {rate:>8.0f} {rate / best['plain']:>8.2f}x")


if __name__ == "__main__":
    main()
