"""A deploy's migrations: the public schema first, then every organization's in parallel.

Only schemas with something to apply are touched (see migration_state); each is migrated
all or nothing in a pool of worker processes, each with its own database connection:
either by Django's executor (see schema_migration) or, for schema-only plans shared by
several schemas, by replaying the SQL the executor sent to the first two (see
migration_paths for which, compiled_plan for how). A schema that fails is reported with
its error while the others go on; the run then counts as failed, and running it again
applies only what is left.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from shared_apps.operations import migration_paths, migration_state
from shared_apps.operations.compiled_plan import (
    PILOTS,
    CompiledPlan,
    Recording,
    compile_from_pilots,
    compile_ledger_only,
    migrate_schemas_compiled,
    record_pilot,
    record_pilots,
)
from shared_apps.operations.migration_state import SchemaPlan
from shared_apps.operations.schema_migration import (
    SchemaOutcome,
    migrate_schema,
    warm_pre_migration_states_of,
)
from shared_apps.operations.schemas import public_schema, tenant_schemas_to_migrate

Report = Callable[[str], None]

# Fast-path schemas handed to a worker at once, sent in one message (see
# compiled_plan.migrate_schemas_compiled): a schema is about a millisecond of
# PostgreSQL's time, and one task per schema added a trip through the pool and a round
# trip in which the server waits. Small enough to keep every worker busy to the end and
# the progress output flowing.
_FAST_PATH_BATCH = 25
LEDGER_ONLY = "ledger rows only: the router runs none of these migrations"


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
    # What each `after` task returned (or raised), by schema; absent: it did not run.
    after: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[SchemaOutcome]:
        every = [self.public, *self.outcomes] if self.public else self.outcomes
        return [outcome for outcome in every if outcome.failed]

    @property
    def migrated(self) -> list[SchemaOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.failed]


def pending_migrations(*, readers: int = 1) -> PendingMigrations:
    """Every schema's pending migrations, from one read of all django_migrations tables
    (by `readers` connections at once, see migration_state.applied_by_schema)."""
    public_plans, _ = migration_state.plans_for([public_schema()])
    if not public_plans:
        raise RuntimeError("The public schema does not exist: is DATABASE_URL right?")
    try:
        tenants, missing = migration_state.plans_for(tenant_schemas_to_migrate(), readers=readers)
    except DatabaseError:
        if public_plans[0].up_to_date:
            raise
        # Before the public schema's first migrations there are no organizations to list.
        connections[DEFAULT_DB_ALIAS].close()
        tenants, missing = [], []
    return PendingMigrations(public=public_plans[0], tenants=tenants, missing=missing)


def migrate_all_schemas(
    *,
    workers: int,
    report: Report,
    verbose: bool = False,
    fast_path: bool = True,
    after: dict[str, Callable[[], Any]] | None = None,
) -> MigrationRun:
    """Bring every schema up to date; the caller holds the migration lock.

    Schemas that need the same plan share one compilation (see compiled_plan) when every
    migration in it can take the fast path (see migration_paths); `fast_path=False`
    sends every schema through the executor. `after` maps a schema to a task (a
    module-level function, pickled by name) that a worker runs once that schema is
    migrated, beside the other schemas; `run.after` holds what it returned or raised.
    It runs only when the run has worker processes (the caller does it otherwise).
    """
    started = time.monotonic()
    run = MigrationRun()
    public = public_schema()
    public_plan = migration_state.plans_for([public])[0][0]
    # Leaving the block waits for the reader, whose connections are closed by then.
    with ThreadPoolExecutor(1, thread_name_prefix="ledgers") as reader:
        early: Future | None = None
        if public_plan.up_to_date:
            report(f"{public}: up to date")
        else:
            if _rows_survive(public_plan):
                # The organizations' ledgers are read while public migrates: a plan of
                # schema operations only changes neither which organizations there are
                # nor their schemas' django_migrations.
                early = reader.submit(_read_tenant_plans, workers)
            report(f"{public}: applying {len(public_plan.pending)} migration(s) …")
            run.public = _migrate_public(public_plan, fast_path=fast_path)
            report(_progress_line(run.public, done=1, total=1, verbose=verbose))
        if run.public is None or not run.public.failed:
            plans, run.missing = _tenant_plans(early, workers)
    if run.public is not None and run.public.failed:
        report("Organization schemas were not migrated: the public schema must succeed first.")
        run.seconds = time.monotonic() - started
        return run
    for schema in run.missing:
        report(f"{schema}: skipped, the schema does not exist")
    pending = [plan for plan in plans if not plan.up_to_date]
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
    pool = _Workers(used, pending)
    later: dict[str, Future] = {}

    def collect(outcome: SchemaOutcome) -> None:
        run.outcomes.append(outcome)
        report(_progress_line(outcome, done=len(run.outcomes), total=len(pending), verbose=verbose))
        task = (after or {}).get(outcome.schema)
        if task is not None and outcome.applied and not outcome.failed and pool.forked:
            later[outcome.schema] = pool.submit(task)

    try:
        tasks: list[tuple[str, CompiledPlan | None]] = []
        for group in plan_groups(pending):
            reason = group_slow_reason(group, fast_path=fast_path)
            report(_group_line(group))
            compiled = None
            if reason is None:
                compilation = compile_from_pilots(
                    group, record=lambda schemas: _record_pilots(schemas, pool)
                )
                for outcome in compilation.pilots:
                    collect(outcome)
                group = group[len(compilation.pilots) :]
                compiled, reason = compilation.plan, compilation.reason
            if compiled is not None:
                report(
                    f"  fast path: SQL collected from {' and '.join(compiled.pilots)}, "
                    f"{compiled.statements} statements in one message for each of the other "
                    f"{len(group)}"
                )
            else:
                report(f"  executor: {reason}")
            tasks += [(plan.schema, compiled) for plan in group]
        _migrate_in_workers(tasks, pool, on_outcome=collect)
        for schema, future in later.items():
            error = future.exception()
            run.after[schema] = error if error is not None else future.result()
    finally:
        pool.close()
    run.seconds = time.monotonic() - started
    return run


def _migrate_public(plan: SchemaPlan, *, fast_path: bool) -> SchemaOutcome:
    """Public through the executor, unless the router keeps its whole plan out of public
    (a release that changes only tenant apps): then its ledger rows, and what post_migrate
    would write, in one message, without rendering the project state for it."""
    if _public_executor_reason(plan, fast_path=fast_path) is not None:
        return migrate_schema(plan.schema)
    outcome = migrate_schemas_compiled([plan.schema], compile_ledger_only(plan))[0]
    if outcome.failed or outcome.path != migration_paths.FAST:
        return outcome
    return replace(outcome, path=f"{LEDGER_ONLY} in {plan.schema}")


def _rows_survive(plan: SchemaPlan) -> bool:
    """Whether applying `plan` leaves every table's rows as they were (schema operations
    only, see migration_paths): then what was read before it still holds after it."""
    nodes = migration_state.migration_loader().graph.nodes
    return not plan.irregular and all(
        migration_paths.migration_slow_reason(nodes[key]) is None for key in plan.pending
    )


def _read_tenant_plans(readers: int) -> tuple[list[SchemaPlan], list[str]]:
    """The organizations' plans, read on this thread's own connections (closed after)."""
    try:
        return migration_state.plans_for(tenant_schemas_to_migrate(), readers=readers)
    finally:
        connections.close_all()


def _tenant_plans(early: Future | None, readers: int) -> tuple[list[SchemaPlan], list[str]]:
    """The plans read while public migrated, or, if there are none (or reading them
    failed: before public's first migrations there is no organization table), read now."""
    if early is not None and early.exception() is None:
        result: tuple[list[SchemaPlan], list[str]] = early.result()
        return result
    return migration_state.plans_for(tenant_schemas_to_migrate(), readers=readers)


def plan_groups(plans: Sequence[SchemaPlan]) -> list[list[SchemaPlan]]:
    """Schemas that need the same plan (they recorded the same migrations), together."""
    groups: dict[tuple, list[SchemaPlan]] = {}
    for plan in plans:
        groups.setdefault((plan.pending, plan.irregular), []).append(plan)
    return list(groups.values())


def group_slow_reason(group: Sequence[SchemaPlan], *, fast_path: bool = True) -> str | None:
    """Why these schemas take the executor, or None: the pilots then decide."""
    if not fast_path:
        return "--no-fast-path"
    reason = migration_paths.plan_slow_reason(group[0])
    if reason is None and len(group) <= PILOTS:
        return f"{len(group)} schema(s) need this plan; the fast path starts after {PILOTS}"
    return reason


def describe_paths(plans: Sequence[SchemaPlan], *, fast_path: bool = True) -> list[str]:
    """For --check: each distinct plan's schemas and path, and each migration's path."""
    lines = []
    for group in plan_groups(plans):
        reason = group_slow_reason(group, fast_path=fast_path)
        lines.append(_group_line(group))
        lines.append(
            f"  executor: {reason}"
            if reason
            else f"  fast path if the SQL collected from the first {PILOTS} schemas is "
            "identical and names no schema"
        )
    keys = dict.fromkeys(key for plan in plans for key in plan.pending)
    if keys:
        lines.append("Each migration on its own:")
        lines += [f"  {app}.{name}: {migration_paths.path_of((app, name))}" for app, name in keys]
    return lines


def describe_public_path(plan: SchemaPlan, *, fast_path: bool = True) -> str:
    """For --check: how the public schema's pending plan would be applied."""
    reason = _public_executor_reason(plan, fast_path=fast_path)
    return LEDGER_ONLY if reason is None else f"executor: {reason}"


def _public_executor_reason(plan: SchemaPlan, *, fast_path: bool) -> str | None:
    """Why public's plan takes the executor, or None for its ledger rows only: the one
    decision the run and --check share."""
    return migration_paths.ledger_only_reason(plan) if fast_path else "--no-fast-path"


def _group_line(group: Sequence[SchemaPlan]) -> str:
    labels = group[0].pending_labels()
    shown = ", ".join(labels[:5]) + (f", … ({len(labels)} in all)" if len(labels) > 5 else "")
    return f"Plan for {len(group)} schema(s): {shown}"


def _worker_count(requested: int, pending: int) -> int:
    return max(0, min(max(1, requested), pending))


def _migrate_batch(schemas: Sequence[str], compiled: CompiledPlan | None) -> list[SchemaOutcome]:
    if compiled is None:
        return [migrate_schema(schema) for schema in schemas]
    return migrate_schemas_compiled(schemas, compiled)


def _batches(
    tasks: Sequence[tuple[str, CompiledPlan | None]],
) -> list[tuple[list[str], CompiledPlan | None]]:
    """Executor schemas one by one; fast-path schemas of one plan by _FAST_PATH_BATCH."""
    batches: list[tuple[list[str], CompiledPlan | None]] = []
    for schema, compiled in tasks:
        last = batches[-1] if batches else ([], None)
        if compiled is not None and last[1] is compiled and len(last[0]) < _FAST_PATH_BATCH:
            last[0].append(schema)
            continue
        batches.append(([schema], compiled))
    return batches


def _forked_pool(workers: int) -> ProcessPoolExecutor:
    """Workers forked from this process, which holds no connection they could share."""
    connections.close_all()
    # A forked child must not take connections from the parent's pool (shared sockets,
    # and the pool's threads do not survive the fork): each builds its own.
    for connection in connections.all(initialized_only=True):
        connection.close_pool()
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


class _Workers:
    """The run's worker processes: forked once, when first needed, for the pilots and
    then the other schemas, so each starts with Django set up, the graph loaded and the
    pre-migration states the run's executor schemas need rendered (shared copy-on-write)
    instead of paying to rebuild them. The parent's connections are closed first so no
    worker shares a socket with it; the migration lock's session is never touched in a
    worker, which leaves through os._exit without closing anything it inherited."""

    def __init__(self, count: int, plans: Sequence[SchemaPlan]) -> None:
        self.count = count
        self._plans = plans
        self._pool: ProcessPoolExecutor | None = None

    @property
    def forked(self) -> bool:
        return self._pool is not None

    def submit(self, function: Callable[..., Any], *args: Any) -> Future:
        if self._pool is None:
            warm_pre_migration_states_of(self._plans)
            self._pool = _forked_pool(self.count)
        try:
            return self._pool.submit(function, *args)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): what the pool held fails (each
            # schema migrated or untouched); what comes next goes to new workers.
            self._pool.shutdown(wait=False)
            self._pool = _forked_pool(self.count)
            return self._pool.submit(function, *args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def _record_pilots(schemas: Sequence[str], pool: _Workers) -> list[Recording]:
    """The pilots at once, one per worker: each records its own connection's SQL in its
    own process and commits its own schema, so neither sees the other's recording. A
    worker that dies fails its pilot only (the next schema is tried)."""
    if pool.count <= 1 or len(schemas) <= 1:
        return record_pilots(schemas)
    futures = [pool.submit(record_pilot, schema) for schema in schemas]
    recordings = []
    for schema, future in zip(schemas, futures, strict=True):
        try:
            recordings.append(future.result())
        except Exception as error:
            failed = SchemaOutcome(schema=schema, error=f"worker process failed: {error!r}")
            recordings.append((failed, []))
    return recordings


def _migrate_in_workers(
    tasks: Sequence[tuple[str, CompiledPlan | None]],
    pool: _Workers,
    *,
    on_outcome: Callable[[SchemaOutcome], None],
) -> None:
    if not tasks:
        return
    if pool.count <= 1:
        for schemas, compiled in _batches(tasks):
            for outcome in _migrate_batch(schemas, compiled):
                on_outcome(outcome)
        return
    futures = {
        pool.submit(_migrate_batch, schemas, compiled): schemas
        for schemas, compiled in _batches(tasks)
    }
    for future in as_completed(futures):
        try:
            outcomes = future.result()
        except Exception as error:  # a worker process died (killed, out of memory)
            schemas = futures[future]
            outcomes = [
                SchemaOutcome(schema=schema, error=f"worker process failed: {error!r}"
                              + (f" (one of a batch of {len(schemas)}: each is migrated or"
                                 " untouched)" if len(schemas) > 1 else ""))
                for schema in schemas
            ]  # fmt: skip
        for outcome in outcomes:
            on_outcome(outcome)


def _progress_line(outcome: SchemaOutcome, *, done: int, total: int, verbose: bool) -> str:
    width = len(str(total))
    prefix = f"[{done:>{width}}/{total}] {outcome.schema}:"
    if outcome.failed:
        line = f"{prefix} FAILED after {outcome.seconds:.2f} s ({outcome.path}): {outcome.error}"
        if verbose and outcome.detail:
            line += "\n" + outcome.detail.rstrip()
        return line
    if not outcome.applied:
        return f"{prefix} already up to date"
    worker = f", worker pid {outcome.pid}" if verbose else ""
    return (
        f"{prefix} applied {len(outcome.applied)} in {outcome.seconds:.2f} s"
        f" ({outcome.path}){worker}: " + ", ".join(outcome.applied)
    )
