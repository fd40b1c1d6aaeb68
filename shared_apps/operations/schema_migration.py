"""Migrating one schema, all or nothing, reusing the graph and the rendered state.

Runs in the command's process for the public schema and in worker processes for the
organizations' schemas. Compared with one `migrate` per schema (django-tenants), it
loads the migration graph once per process and renders the pre-migration project state
once per distinct set of applied migrations (usually one for all schemas), handing each
schema a clone of it.

A schema's whole plan runs in one transaction when every migration in it is atomic, so a
failure leaves the schema exactly as it was (PostgreSQL's DDL is transactional). A plan
with a non-atomic migration (e.g. `AddIndexConcurrently`) runs migration by migration,
as Django does; docs/deploy.md says how to write those.

The worker processes are forked from the command's process (see migration_runner).
"""

from __future__ import annotations

import copy
import os
import time
import traceback
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState
from django.db.models import signals

from shared_apps.operations import migration_state

# Pre-migration states kept per process, one per distinct applied set.
_MAX_CACHED_STATES = 4
_states: dict[frozenset, ProjectState] = {}


@dataclass(frozen=True)
class SchemaOutcome:
    """What happened to one schema: the migrations applied, or the error."""

    schema: str
    applied: tuple[str, ...] = ()
    error: str | None = None
    detail: str = ""
    seconds: float = 0.0
    pid: int = field(default=0)
    # "executor", "executor, pilot" (its SQL compiled the plan), "fast path", …
    path: str = "executor"

    @property
    def failed(self) -> bool:
        return self.error is not None


class SchemaRecorder(MigrationRecorder):
    """Django's recorder, which finds out whether the schema has its django_migrations by
    asking the catalog for that one table. Django's lists every table visible on the path
    (django-tenants' introspection puts only the schema there), a scan of all of pg_class
    that took 76-81 ms with 1,000 organization schemas, twice per executor schema."""

    def has_table(self) -> bool:
        if self._has_table:
            return True
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
                " ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s"
                " AND c.relkind IN ('r', 'p'))",
                [self.connection.schema_name, self.Migration._meta.db_table],
            )
            self._has_table = bool(cursor.fetchone()[0])
        return self._has_table


class _SharedGraphExecutor(MigrationExecutor):
    """Django's executor over the already loaded graph, told what the schema applied
    instead of loading the graph and reading django_migrations again."""

    def __init__(self, connection: BaseDatabaseWrapper, applied: frozenset) -> None:
        self.connection = connection
        self.loader = copy.copy(migration_state.migration_loader())
        graph = self.loader.graph
        self.loader.applied_migrations = {key: graph.nodes[key] for key in applied}
        self.recorder = SchemaRecorder(connection)
        self.progress_callback = None


def warm_pre_migration_states_of(plans: Iterable[migration_state.SchemaPlan]) -> None:
    """Render the pre-migration states these plans start from, before worker processes
    fork (a regular plan starts from every node of the graph it does not apply)."""
    nodes = frozenset(migration_state.forward_order())
    for pending in dict.fromkeys(plan.pending for plan in plans if not plan.irregular):
        applied = nodes.difference(pending)
        if applied in _states or len(_states) < _MAX_CACHED_STATES:
            _pre_migration_state(applied)


def migrate_schema(
    schema: str, *, using: str = DEFAULT_DB_ALIAS, progress_callback: Callable | None = None
) -> SchemaOutcome:
    """Apply what `schema` is missing with Django's executor. Never raises: a failure
    comes back as the outcome. `progress_callback` is the executor's (compiled_plan
    uses it to tell one migration's SQL from the next's)."""
    started = time.monotonic()
    connection = connections[using]
    try:
        applied = _prepare(connection, schema)
        plan = migration_state.plan_for_applied(schema, applied)
        if plan.up_to_date:
            return SchemaOutcome(schema=schema, seconds=time.monotonic() - started, pid=os.getpid())
        _apply(connection, applied, irregular=plan.irregular, progress=progress_callback)
        return SchemaOutcome(
            schema=schema,
            applied=tuple(plan.pending_labels()),
            seconds=time.monotonic() - started,
            pid=os.getpid(),
        )
    except Exception as error:
        return SchemaOutcome(
            schema=schema,
            error=f"{type(error).__name__}: {error}".strip(),
            detail=traceback.format_exc(),
            seconds=time.monotonic() - started,
            pid=os.getpid(),
        )
    finally:
        _leave(connection)


def _select(connection: BaseDatabaseWrapper, schema: str, *, include_public: bool) -> None:
    from django_tenants.utils import get_public_schema_name

    if schema == get_public_schema_name():
        connection.set_schema_to_public()
    else:
        connection.set_schema(schema, include_public=include_public)


def _prepare(connection: BaseDatabaseWrapper, schema: str) -> set:
    """Create the schema's django_migrations if missing and return what it recorded."""
    # Without public on the path, so that a schema lacking the table gets its own
    # instead of finding public's (as django-tenants does).
    _select(connection, schema, include_public=False)
    recorder = SchemaRecorder(connection)
    recorder.ensure_schema()
    applied = set(recorder.applied_migrations())
    _select(connection, schema, include_public=True)
    return applied


def _apply(
    connection: BaseDatabaseWrapper, recorded: set, *, irregular: bool, progress: Callable | None
) -> None:
    from django.core.management.sql import emit_pre_migrate_signal

    if irregular:
        # Some of a squashed migration's originals are recorded: Django's own loader,
        # which reads this schema's django_migrations, knows which graph applies.
        executor = MigrationExecutor(connection)
        state = executor._create_project_state(with_applied_migrations=True)
    else:
        applied, _ = migration_state.normalize_applied(recorded)
        executor = _SharedGraphExecutor(connection, applied)
        state = _pre_migration_state(applied).clone()
    executor.progress_callback = progress
    targets = executor.loader.graph.leaf_nodes()
    plan = executor.migration_plan(targets)
    all_atomic = all(migration.atomic for migration, _backwards in plan)
    alias = connection.alias
    with transaction.atomic(using=alias) if all_atomic else nullcontext():
        emit_pre_migrate_signal(0, False, alias, apps=state.apps, plan=plan)
        executor.migrate(targets, plan=plan, state=state)
        executor.check_replacements()
        _emit_post_migrate(alias, plan)


def _emit_post_migrate(alias: str, plan: list) -> None:
    """post_migrate for the apps that had migrations applied, in this schema.

    It creates the content types and permissions of new models. Django's `migrate` sends it
    to every installed app; only an app with a migration in the plan can have new models,
    and skipping the others saves two queries per app per schema (most of the time spent
    per schema when a deploy adds one migration). The plan ends at the graph's leaves, so
    the installed models are the post-migration state.
    """
    labels = {migration.app_label for migration, _backwards in plan}
    for app_config in global_apps.get_app_configs():
        if app_config.label in labels and app_config.models_module is not None:
            signals.post_migrate.send(
                sender=app_config, app_config=app_config, verbosity=0, interactive=False,
                using=alias, apps=global_apps, plan=plan,
            )  # fmt: skip


def _pre_migration_state(applied: frozenset) -> ProjectState:
    """The project state after `applied`, rendered once and kept for the next schemas."""
    state = _states.get(applied)
    if state is None:
        loader = migration_state.migration_loader()
        state = ProjectState(real_apps=loader.unmigrated_apps)
        for key in migration_state.forward_order():
            if key in applied:
                loader.graph.nodes[key].mutate_state(state, preserve=False)
        state.apps  # noqa: B018 - render the models once, here, not once per schema
        if len(_states) >= _MAX_CACHED_STATES:
            _states.pop(next(iter(_states)))
        _states[applied] = state
    return state


def _leave(connection: BaseDatabaseWrapper) -> None:
    """Back to public; a connection broken by the failure is dropped, not reused."""
    try:
        connection.set_schema_to_public()
        connection.close_if_unusable_or_obsolete()
    except Exception:
        connection.close()
