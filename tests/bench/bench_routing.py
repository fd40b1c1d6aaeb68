"""Request routing benchmark: Tenantry vs plain django-tenants vs plain Django, one run.

    uv run python -m tests.bench.bench_routing [--organizations 1000] [--seconds 3] [--rounds 5]

Serves the demo tracker's project page (one query of its own) through Django's full
handler and middleware stack, in-process, for three variants on the same database:
plain Django (no tenancy), django-tenants' stock middleware and backend, and Tenantry.
Prints requests/s and SQL statements per request, on one host and round-robin over every
organization's host, with each variant's ratio to plain Django.
"""

import argparse
import json
import os
import statistics
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
    from django.db import connection, connections

    from tests.bench.common import fresh_database

    fresh_database(name)

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


def _serve(variant: str, database: str) -> None:
    """Child process: set up Django for one variant, then measure on request (one JSON
    line in, {"hosts", "seconds"}; one JSON line out), so that the parent can interleave
    the variants round by round and machine drift hits them all alike."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.bench.routing_settings"
    os.environ["BENCH_VARIANT"] = variant
    os.environ["BENCH_DATABASE"] = database
    import django

    django.setup()
    from django.core.signals import request_finished
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    if variant == "plain":  # no tenant to reset on a plain backend
        request_finished.disconnect(dispatch_uid="tenantry-reset-tenant")
    client = Client()
    for line in sys.stdin:
        spec = json.loads(line)
        hosts, seconds = spec["hosts"], spec["seconds"]
        for host in hosts:  # warm: routing caches, connection, templates
            assert client.get("/", HTTP_HOST=host).status_code == 200, (variant, host)
        with CaptureQueriesContext(connection) as queries:
            for host in hosts[:200]:
                client.get("/", HTTP_HOST=host)
        statements = len(queries) / min(len(hosts), 200)
        count, index = 0, 0
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            for _ in range(50):
                client.get("/", HTTP_HOST=hosts[index % len(hosts)])
                index += 1
            count += 50
        rps = count / (time.perf_counter() - started)
        print(json.dumps({"rps": rps, "statements": statements}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve:
        _serve(*json.loads(args.serve))
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
        children = {
            variant: subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.bench.bench_routing",
                    "--serve",
                    json.dumps([variant, database]),
                ],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for variant in VARIANTS
        }
        samples: dict[str, dict[str, list[dict]]] = {}
        for scenario, hosts in scenarios.items():
            for _round in range(args.rounds):
                for variant, child in children.items():
                    # Plain Django has one schema, fixed on the connection: one host.
                    spec = {"hosts": hosts[:1] if variant == "plain" else hosts,
                            "seconds": args.seconds}  # fmt: skip
                    child.stdin.write(json.dumps(spec) + "\n")
                    child.stdin.flush()
                    figures = json.loads(child.stdout.readline())
                    samples.setdefault(scenario, {}).setdefault(variant, []).append(figures)
        for child in children.values():
            child.stdin.close()
            child.wait(timeout=60)
    finally:
        services.stop()

    print(
        f"\nRouting benchmark: {args.organizations} organizations; median of {args.rounds}"
        f" interleaved rounds of {args.seconds:g} s per variant"
    )
    print("command: uv run python -m tests.bench.bench_routing "
          f"--organizations {args.organizations} --seconds {args.seconds:g}"
          f" --rounds {args.rounds}\n")  # fmt: skip
    print(f"{'scenario':<28} {'variant':<16} {'req/s':>8} {'vs plain':>9} {'SQL/request':>12}")
    for scenario, by_variant in samples.items():
        plain_rounds = [s["rps"] for s in by_variant["plain"]]
        for variant, rounds in by_variant.items():
            rps = statistics.median(r["rps"] for r in rounds)
            # The ratio per round (variants ran back to back), then its median.
            ratio = statistics.median(
                r["rps"] / p for r, p in zip(rounds, plain_rounds, strict=True)
            )
            print(f"{scenario:<28} {variant:<16} {rps:>8.0f} {ratio:>8.2f}x "
                  f"{rounds[0]['statements']:>12.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
