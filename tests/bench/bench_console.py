"""Console list benchmark: the staff organization list with 10,000 organizations.

    uv run python -m tests.bench.bench_console [--organizations 10000]

Builds the organizations (rows, domains, and a schema each with the tables the list reads)
by SQL on a fresh database, then times the console's list requests through Django's full
stack, in process: first page, a search, a sort, a deep page. Control in the same run: the
same requests with 25 organizations.
"""

import argparse
import os
import statistics
import time


def _build(database: str, count: int) -> None:
    from django.db import connection

    from tests.bench.common import fresh_database

    fresh_database(database)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tenants_organization (schema_name, name, slug, status, plan,"
            " created_at, updated_at) SELECT 'org_c' || i, 'Company ' || i, 'c' || i,"
            " 'active', 'free', now(), now() FROM generate_series(1, %s) AS i",
            [count],
        )
        cursor.execute(
            "INSERT INTO tenants_domain (domain, tenant_id, is_primary, is_verified, created_at)"
            " SELECT slug || '.localhost', id, true, true, now() FROM tenants_organization"
        )
        cursor.execute("SELECT schema_name FROM tenants_organization")
        for (schema,) in cursor.fetchall():
            cursor.execute(
                f'CREATE SCHEMA "{schema}";'
                f' CREATE TABLE "{schema}".accounts_user (id bigint, is_active boolean,'
                " last_login timestamptz);"
                f' INSERT INTO "{schema}".accounts_user VALUES (1, true, now());'
                f' CREATE TABLE "{schema}".django_migrations (app text, name text)'
            )
        from django.contrib.auth import get_user_model

        get_user_model().objects.create_superuser("bench@platform.test", "x")


def _time(client, path: str, repeat: int = 7) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

    from config.env import DATA_DIR, embedded_services_needed
    from shared_apps.localdev.embedded import EmbeddedServices

    services = EmbeddedServices(DATA_DIR)
    services.start(**embedded_services_needed())
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    paths = {
        "first page": "/platform/",
        "search 'company 99'": "/platform/?q=company+99",
        "sort by newest": "/platform/?sort=-created",
        "page 200": "/platform/?page=200",
    }
    results: dict[int, dict[str, float]] = {}
    try:
        for count in (25, args.organizations):
            _build("tenantry_bench_console", count)
            client = Client(HTTP_HOST="localhost")
            client.force_login(get_user_model().objects.get(email="bench@platform.test"))
            results[count] = {label: _time(client, path) for label, path in paths.items()}
            connections.close_all()
    finally:
        services.stop()

    print("\nConsole list benchmark (median of 7 requests, in process)")
    command = "uv run python -m tests.bench.bench_console"
    print(f"command: {command} --organizations {args.organizations}\n")
    control, large = results
    print(f"{'request':<22} {f'{control} orgs':>12} {f'{large:,} orgs':>14}")
    for label in paths:
        print(f"{label:<22} {results[control][label]:>10.1f} ms {results[large][label]:>11.1f} ms")


if __name__ == "__main__":
    main()
