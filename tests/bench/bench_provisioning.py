"""Provisioning benchmark: warm pool and template paths vs the migrations path, in one run.

    uv run python -m tests.bench.bench_provisioning            # 50 per path, at 10 and 1,000 orgs
    uv run python -m tests.bench.bench_provisioning --quick    # 20 per path, at 10 and 200 orgs

Each sample is one `organization_create(...)` call with an owner invitation (row, domain,
schema, owner invitation and its email, status active), timed end to end, on a fresh
database. The migrations path is django-tenants' (`create_schema` replaying every
migration, as `auto_create_schema` does); the template path builds from the template
schema; the pool path renames a schema built ahead of time (the pool is filled before
its samples, outside the timing, as the refill task does in production).
"""

import argparse
import os
import statistics
import time


def _setup(database: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from tests.bench.common import fresh_database

    fresh_database(database)

    from shared_apps.tenants.provisioning.template import template_refresh

    template_refresh()


def _create(prefix: str, index: int, *, fast: bool, pool: bool = False) -> float:
    from django.conf import settings

    from shared_apps.tenants.provisioning.pool import pool_fill

    settings.SCHEMA_POOL_SIZE = 0
    if pool:
        pool_fill(size=1)
    from shared_apps.tenants.provisioning.services import organization_create

    started = time.perf_counter()
    organization_create(
        name=f"{prefix} {index}",
        slug=f"{prefix}-{index:05d}",
        owner_email=f"owner@{prefix}{index}.test",
        fast=fast,
    )
    return time.perf_counter() - started


def _summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    samples, large = (20, 200) if args.quick else (50, 1000)

    from config.env import DATA_DIR, embedded_services_needed
    from shared_apps.localdev.embedded import EmbeddedServices

    services = EmbeddedServices(DATA_DIR)
    services.start(**embedded_services_needed())
    try:
        _setup("tenantry_bench_provisioning")
        from django.core import mail

        mail.outbox = []
        results = {}
        existing = 0
        for label, target in (("10", 10), (f"{large:,}", large)):
            while existing < target:
                _create("fill", existing, fast=True)
                existing += 1
            pooled = [_create(f"pool{target}", i, fast=True, pool=True) for i in range(samples)]
            fast = [_create(f"fast{target}", i, fast=True) for i in range(samples)]
            slow = [_create(f"slow{target}", i, fast=False) for i in range(samples)]
            existing += 3 * samples
            results[label] = (_summary(pooled), _summary(fast), _summary(slow))
            mail.outbox = []
    finally:
        services.stop()

    command = "uv run python -m tests.bench.bench_provisioning" + (" --quick" if args.quick else "")
    print(f"\nProvisioning benchmark ({samples} organizations per path and point)")
    print(f"command: {command}\n")
    header = ("organizations existing", "path", "median ms", "p95 ms", "speed-up")
    print(f"{header[0]:<24} {header[1]:<12} {header[2]:>10} {header[3]:>9} {header[4]:>9}")
    for label, figures in results.items():
        slow_median = figures[2][0]
        for path, (median, p95) in zip(
            ("warm pool", "template", "migrations"), figures, strict=True
        ):
            print(f"{label:<24} {path:<12} {median:>10.1f} {p95:>9.1f} "
                  f"{slow_median / median:>8.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
