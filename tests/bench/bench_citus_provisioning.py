"""Provisioning on Citus beside plain PostgreSQL, in one run: warm pool and template paths.

    uv run python -m tests.citus.cluster -- uv run python -m tests.bench.bench_citus_provisioning
    (--samples 15 by default)

Runs inside the Citus cluster launcher (DATABASE_URL is its coordinator): the Citus figures
come from a database of its own on that cluster, the control's from a scratch database on
the machine's plain PostgreSQL 15 (`--plain-url`, default postgresql://postgres@127.0.0.1:5432).
Blocks of samples alternate between the two (`--rounds`), so the machine's drift hits both
alike; each block starts with an untimed creation that opens the connections a serving
process already holds. Each sample is one `organization_create(...)` with an owner
invitation, timed end to end (on Citus that
includes placing the new schema on the least loaded worker when a move evens things out;
the count of such moves is printed). The pool is filled before its samples, untimed, as
the refill task does in production.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

CITUS_DATABASE = "tenantry_bench_citus"
PLAIN_DATABASE = "tenantry_bench_citus_control"


def _use(url: str) -> None:
    """Point Django's default connection at `url` (and forget what it knew of the last);
    nothing to do when it already is."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.db import connections

    from shared_apps.tenants.provisioning import template

    parts = urlsplit(url)
    db = settings.DATABASES["default"]
    if (db.get("HOST"), db.get("PORT"), db.get("NAME")) == (
        parts.hostname,
        parts.port or 5432,
        parts.path.lstrip("/"),
    ):
        return
    connections.close_all()
    db.update(
        HOST=parts.hostname, PORT=parts.port or 5432, USER=parts.username or "postgres",
        PASSWORD=parts.password or "", NAME=parts.path.lstrip("/"),
    )  # fmt: skip
    template._snapshot_cache.clear()


@contextmanager
def _plain_database(server: str) -> Iterator[str]:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PLAIN_DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PLAIN_DATABASE}"')
    try:
        yield f"{server}/{PLAIN_DATABASE}"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{PLAIN_DATABASE}" WITH (FORCE)')


def _prepare(url: str) -> None:
    from django.core.management import call_command

    _use(url)
    call_command("migrate_tenants", workers=1, verbosity=0, stdout=io.StringIO())


def _create(url: str, slug: str) -> float:
    from shared_apps.tenants.provisioning.services import organization_create

    _use(url)
    started = time.perf_counter()
    organization_create(name=slug, slug=slug, owner_email=f"owner@{slug}.test")
    return time.perf_counter() - started


def _fill_pool(url: str, size: int) -> None:
    from shared_apps.tenants.provisioning.pool import pool_fill

    _use(url)
    pool_fill(size=size)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3, help="Blocks per target, alternating.")
    parser.add_argument("--plain-url", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    if not os.environ.get("TENANTRY_CITUS_WORKERS"):
        parser.error("run it inside the cluster launcher: python -m tests.citus.cluster -- ...")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    from config.env import DATA_DIR, embedded_services_needed
    from shared_apps.localdev.embedded import EmbeddedServices

    services = EmbeddedServices(DATA_DIR)
    services.start(**embedded_services_needed())
    import django

    django.setup()
    from django.conf import settings

    from shared_apps.tenants.db import citus
    from tests.citus.cluster import scratch_database

    settings.SCHEMA_POOL_SIZE = 0  # the refill task is not timed: the pool is filled here
    try:
        with (
            scratch_database(CITUS_DATABASE) as on_citus,
            _plain_database(args.plain_url) as on_plain,
        ):
            targets = {"citus": on_citus, "plain": on_plain}
            for url in targets.values():
                _prepare(url)
            _use(on_citus)
            assert citus.citus_enabled(), "the cluster's database is not sharding by schema"
            placed = _PlacementCounter()
            logging.getLogger("shared_apps.tenants.provisioning.placement").addHandler(placed)
            results: dict[tuple[str, str], list[float]] = {}
            for path in ("template", "pool"):
                for block in range(args.rounds):
                    for name, url in targets.items():
                        _use(url)
                        if path == "pool":
                            _fill_pool(url, args.samples // args.rounds + 1)
                        # Untimed: a serving process's connection (and, on Citus, its
                        # connections to the workers) is already open.
                        _create(url, f"{path}-warm-{block}")
                        for index in range(args.samples // args.rounds):
                            sample = _create(url, f"{path}-{block}-{index:03d}")
                            results.setdefault((name, path), []).append(sample)
            _use(on_citus)
            loads = {str(node): count for node, count in _loads().items()}
    finally:
        services.stop()

    print(f"\nProvisioning, median of {args.samples} samples each (ms), same run:")
    print(f"{'path':<10} {'plain PostgreSQL':>18} {'Citus':>10}")
    for path in ("template", "pool"):
        plain = _median_ms(results[("plain", path)])
        on_citus = _median_ms(results[("citus", path)])
        print(f"{path:<10} {plain:>18.1f} {on_citus:>10.1f}")
    print(
        f"\nCitus: schemas per worker {loads}; {placed.moves} new schema(s) moved to the"
        " least loaded worker (template samples: in the timing; pool: at fill time)"
    )
    pool_median = _median_ms(results[("citus", "pool")])
    verdict = "under" if pool_median < 50 else "OVER"
    print(f"Warm pool on Citus: {pool_median:.1f} ms median, {verdict} the 50 ms target.")
    print(
        "Reproduce: uv run python -m tests.citus.cluster -- uv run python -m"
        f" tests.bench.bench_citus_provisioning --samples {args.samples} --rounds {args.rounds}"
    )


class _PlacementCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.moves = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.moves += " placed on " in record.getMessage()


def _loads():
    from shared_apps.tenants.provisioning.placement import node_loads

    return node_loads()


if __name__ == "__main__":
    main()
