"""Request routing benchmark: Tenantry vs plain django-tenants vs plain Django, one run.

    uv run python -m tests.bench.bench_routing [--organizations 1000] [--seconds 3]

Serves the demo tracker's project page (one query of its own) through Django's full
handler and middleware stack, in-process, for three variants on the same database:
plain Django (no tenancy), django-tenants' stock middleware and backend, and Tenantry.
Prints requests/s and SQL statements per request, on one host and round-robin over every
organization's host, with each variant's ratio to plain Django.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = ("plain", "django-tenants", "tenantry")


def _setup_database(name: str, organizations: int) -> None:
    """A fresh database with `organizations` organizations, schemas made by SQL (fast)."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    django.setup()
    import psycopg
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    db = settings.DATABASES["default"]
    admin = psycopg.connect(
        host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"],
        password=db["PASSWORD"] or None, dbname="postgres", autocommit=True,
    )  # fmt: skip
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    connections.close_all()
    db["NAME"] = name
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)

    from shared_apps.tenants.models import Domain, Organization

    orgs = Organization.objects.bulk_create(
        Organization(name=f"Bench {i}", slug=f"bench-{i:04d}", schema_name=f"org_bench_{i:04d}",
                     status=Organization.Status.ACTIVE)
        for i in range(organizations)
    )  # fmt: skip
    Domain.objects.bulk_create(
        Domain(domain=f"{org.slug}.localhost", tenant=org, is_primary=True, is_verified=True)
        for org in orgs
    )
    with connection.cursor() as cursor:
        for org in orgs:
            cursor.execute(f'CREATE SCHEMA "{org.schema_name}"')
            cursor.execute(
                f'CREATE TABLE "{org.schema_name}".tracker_project ('
                " id bigserial PRIMARY KEY, name varchar(200) NOT NULL,"
                " created_at timestamptz NOT NULL DEFAULT now())"
            )
            cursor.execute(
                f'INSERT INTO "{org.schema_name}".tracker_project (name) VALUES (%s), (%s)',
                [f"{org.name} roadmap", f"{org.name} launch"],
            )
    connections.close_all()


def _measure(variant: str, database: str, hosts: list[str], seconds: float) -> dict:
    """Run in a child process: requests/s and statements per request for one variant."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.bench.routing_settings"
    os.environ["BENCH_VARIANT"] = variant
    os.environ["BENCH_DATABASE"] = database
    import django

    django.setup()
    from django.core.signals import request_finished
    from django.db import connection
    from django.test import Client

    if variant == "plain":  # no tenant to reset on a plain backend
        request_finished.disconnect(dispatch_uid="tenantry-reset-tenant")
    from django.test.utils import CaptureQueriesContext

    client = Client()
    # Warm every host (routing caches, connection, templates).
    for host in hosts:
        assert client.get("/", HTTP_HOST=host).status_code == 200, (variant, host)

    with CaptureQueriesContext(connection) as queries:
        for host in hosts[:200]:
            client.get("/", HTTP_HOST=host)
    statements = len(queries) / min(len(hosts), 200)

    count, index = 0, 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        for _ in range(50):
            client.get("/", HTTP_HOST=hosts[index % len(hosts)])
            index += 1
        count += 50
    elapsed = time.perf_counter() - started
    return {"rps": count / elapsed, "statements": statements}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        spec = json.loads(args.child)
        print(json.dumps(_measure(**spec)))
        return

    from config.env import DATA_DIR, embedded_services_needed
    from shared_apps.localdev.embedded import EmbeddedServices

    services = EmbeddedServices(DATA_DIR)
    services.start(**embedded_services_needed())
    database = "tenantry_bench_routing"
    try:
        setup = subprocess.run(
            [sys.executable, "-c",
             f"from tests.bench.bench_routing import _setup_database; "
             f"_setup_database({database!r}, {args.organizations})"],
            cwd=ROOT, check=True,
        )  # fmt: skip
        assert setup.returncode == 0
        all_hosts = [f"bench-{i:04d}.localhost" for i in range(args.organizations)]
        scenarios = {"one host": all_hosts[:1], f"round-robin over {len(all_hosts)}": all_hosts}
        results: dict[str, dict[str, dict]] = {}
        for scenario, hosts in scenarios.items():
            for variant in VARIANTS:
                spec = {"variant": variant, "database": database, "hosts": hosts,
                        "seconds": args.seconds}  # fmt: skip
                if variant == "plain":
                    spec["hosts"] = hosts[
                        :1
                    ]  # plain Django has one schema, fixed on the connection
                argv = [sys.executable, "-m", "tests.bench.bench_routing", "--child"]
                child = subprocess.run(
                    [*argv, json.dumps(spec)],
                    cwd=ROOT, check=True, capture_output=True, text=True,
                )  # fmt: skip
                results.setdefault(scenario, {})[variant] = json.loads(
                    child.stdout.splitlines()[-1]
                )
    finally:
        services.stop()

    print(
        f"\nRouting benchmark: {args.organizations} organizations, {args.seconds:.0f} s per figure"
    )
    print("command: uv run python -m tests.bench.bench_routing "
          f"--organizations {args.organizations} --seconds {args.seconds:g}\n")  # fmt: skip
    print(f"{'scenario':<28} {'variant':<16} {'req/s':>8} {'vs plain':>9} {'SQL/request':>12}")
    for scenario, by_variant in results.items():
        plain = by_variant["plain"]["rps"]
        for variant, figures in by_variant.items():
            print(f"{scenario:<28} {variant:<16} {figures['rps']:>8.0f} "
                  f"{figures['rps'] / plain:>8.2f}x {figures['statements']:>12.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
