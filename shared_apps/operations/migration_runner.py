"""A deploy's migrations: the public schema first, then every organization's in parallel.

Only schemas with something to apply are touched (see migration_state); each is migrated
all or nothing (see schema_migration) in a pool of worker processes, each with its own
database connection. A schema that fails is reported with its error while the others go
on; the run then counts as failed, and running it again applies only what is left.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from shared_apps.operations import migration_state
from shared_apps.operations.migration_state import SchemaPlan
from shared_apps.operations.schema_migration import (
    SchemaOutcome,
    migrate_schema,
    warm_pre_migration_states,
)
from shared_apps.operations.schemas import public_schema, tenant_schemas_to_migrate

Report = Callable[[str], None]


@dataclass
class PendingMigrations:
    """What a deploy would apply: `--check`, `--plan` and the readiness probe read this."""

    public: SchemaPlan
    tenants: list[SchemaPlan]
    missing: list[str]

    @property
    def pending(self) -> list[SchemaPlan]:
        return [plan for plan in (self.public, *self.tenants) if not plan.up_to_date]


@dataclass
class MigrationRun:
    public: SchemaOutcome | None = None
    outcomes: list[SchemaOutcome] = field(default_factory=list)
    up_to_date: int = 0
    missing: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[SchemaOutcome]:
        every = [self.public, *self.outcomes] if self.public else self.outcomes
        return [outcome for outcome in every if outcome.failed]

    @property
    def migrated(self) -> list[SchemaOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.failed]


def pending_migrations() -> PendingMigrations:
    """Every schema's pending migrations, from one read of all django_migrations tables."""
    public_plans, _ = migration_state.plans_for([public_schema()])
    if not public_plans:
        raise RuntimeError("The public schema does not exist: is DATABASE_URL right?")
    try:
        tenants, missing = migration_state.plans_for(tenant_schemas_to_migrate())
    except DatabaseError:
        if public_plans[0].up_to_date:
            raise
        # Before the public schema's first migrations there are no organizations to list.
        connections[DEFAULT_DB_ALIAS].close()
        tenants, missing = [], []
    return PendingMigrations(public=public_plans[0], tenants=tenants, missing=missing)


def migrate_all_schemas(*, workers: int, report: Report, verbose: bool = False) -> MigrationRun:
    """Bring every schema up to date; the caller holds the migration lock."""
    started = time.monotonic()
    run = MigrationRun()
    public = public_schema()
    public_plan = migration_state.plans_for([public])[0][0]
    if public_plan.up_to_date:
        report(f"{public}: up to date")
    else:
        report(f"{public}: applying {len(public_plan.pending)} migration(s) …")
        run.public = migrate_schema(public)
        report(_progress_line(run.public, done=1, total=1, verbose=verbose))
        if run.public.failed:
            report("Organization schemas were not migrated: the public schema must succeed first.")
            run.seconds = time.monotonic() - started
            return run

    plans, run.missing = migration_state.plans_for(tenant_schemas_to_migrate())
    for schema in run.missing:
        report(f"{schema}: skipped, the schema does not exist")
    pending = [plan.schema for plan in plans if not plan.up_to_date]
    run.up_to_date = len(plans) - len(pending)
    if verbose:
        for plan in plans:
            if plan.up_to_date:
                report(f"{plan.schema}: up to date")
    used = _worker_count(workers, len(pending))
    report(
        f"Organization schemas: {len(plans)}; up to date {run.up_to_date}; "
        f"to migrate {len(pending)}" + (f" with {used} worker process(es)" if pending else "")
    )

    def collect(outcome: SchemaOutcome) -> None:
        run.outcomes.append(outcome)
        report(_progress_line(outcome, done=len(run.outcomes), total=len(pending), verbose=verbose))

    _migrate_in_workers(pending, workers=used, on_outcome=collect)
    run.seconds = time.monotonic() - started
    return run


def _worker_count(requested: int, pending: int) -> int:
    return max(0, min(max(1, requested), pending))


def _migrate_in_workers(
    schemas: Sequence[str], *, workers: int, on_outcome: Callable[[SchemaOutcome], None]
) -> None:
    if not schemas:
        return
    if workers <= 1:
        for schema in schemas:
            on_outcome(migrate_schema(schema))
        return
    # Forked: each worker starts with Django set up, the graph loaded and the common
    # pre-migration state rendered (warmed here, shared copy-on-write), instead of paying
    # seconds each to rebuild them. The parent's connections are closed first so no
    # worker shares a socket with it; the migration lock's session is never touched in a
    # worker, which leaves through os._exit without closing anything it inherited.
    warm_pre_migration_states(schemas)
    connections.close_all()
    # A forked child must not take connections from the parent's pool (shared sockets,
    # and the pool's threads do not survive the fork): each builds its own.
    for connection in connections.all(initialized_only=True):
        connection.close_pool()
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("fork")
    ) as pool:
        futures = {pool.submit(migrate_schema, schema): schema for schema in schemas}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except Exception as error:  # a worker process died (killed, out of memory)
                outcome = SchemaOutcome(
                    schema=futures[future], error=f"worker process failed: {error!r}"
                )
            on_outcome(outcome)


def _progress_line(outcome: SchemaOutcome, *, done: int, total: int, verbose: bool) -> str:
    width = len(str(total))
    prefix = f"[{done:>{width}}/{total}] {outcome.schema}:"
    if outcome.failed:
        line = f"{prefix} FAILED after {outcome.seconds:.2f} s: {outcome.error}"
        if verbose and outcome.detail:
            line += "\n" + outcome.detail.rstrip()
        return line
    if not outcome.applied:
        return f"{prefix} already up to date"
    worker = f", worker pid {outcome.pid}" if verbose else ""
    return (
        f"{prefix} applied {len(outcome.applied)} in {outcome.seconds:.2f} s{worker}: "
        + ", ".join(outcome.applied)
    )
