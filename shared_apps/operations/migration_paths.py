"""Which path a pending migration takes: compiled SQL (the fast path) or the executor.

The fast path replays, in every schema, the SQL that Django's schema editor produced for
the first schemas (see compiled_plan). That is only the same as running the executor when
everything a migration does to the database goes through the schema editor's SQL, so:

* only Django's own schema operations qualify, by exact class (a subclass may override
  `database_forwards`); `SeparateDatabaseAndState` when its database operations do;
* `RunPython` (Python and data), `RunSQL` (its SQL may read data or depend on the
  schema: not verified, so treated as slow), extensions, collations, `AddIndexConcurrently`
  and every operation Django doesn't ship take the executor;
* so do non-atomic migrations, squashed migrations (their ledger rows are the replaced
  migrations') and plans whose migrate signals have receivers other than Django's
  content types and permissions, which the fast path compiles itself.

A schema's plan takes the fast path only when every migration in it qualifies: each
schema is migrated all or nothing, in one transaction, by one path.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import (
    RenameContentType,
    create_contenttypes,
    inject_rename_contenttypes_operations,
)
from django.db import DEFAULT_DB_ALIAS, router
from django.db.migrations import operations
from django.db.migrations.migration import Migration
from django.db.models import signals
from django_tenants.utils import schema_context

from shared_apps.operations import migration_state
from shared_apps.operations.migration_state import MigrationKey, SchemaPlan

# Everything these do to the database is SQL sent through schema_editor.execute().
SCHEMA_ONLY_OPERATIONS = frozenset(
    {
        operations.CreateModel,
        operations.DeleteModel,
        operations.RenameModel,
        operations.AlterModelTable,
        operations.AlterModelTableComment,
        operations.AlterUniqueTogether,
        operations.AlterIndexTogether,
        operations.AlterOrderWithRespectTo,
        operations.AlterModelOptions,
        operations.AlterModelManagers,
        operations.AddField,
        operations.RemoveField,
        operations.AlterField,
        operations.RenameField,
        operations.AddIndex,
        operations.RemoveIndex,
        operations.RenameIndex,
        operations.AddConstraint,
        operations.RemoveConstraint,
        operations.AlterConstraint,
    }
)

# Receivers whose effect the fast path compiles to SQL (content types and permissions,
# and the content type renames injected after each RenameModel).
_COMPILED_RECEIVERS = {
    signals.pre_migrate: frozenset({inject_rename_contenttypes_operations}),
    signals.post_migrate: frozenset({create_contenttypes, create_permissions}),
}

FAST = "fast path"

# Django's operations that ask the database router before touching the database: in a
# schema whose router refuses their app, each sends nothing, whatever it would do elsewhere.
_ROUTED_OPERATIONS = SCHEMA_ONLY_OPERATIONS | {operations.RunPython, operations.RunSQL}
_TENANT_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]


def operation_slow_reason(operation: object) -> str | None:
    """Why this operation needs the executor, or None when its SQL can be compiled."""
    kind = type(operation)
    if kind in SCHEMA_ONLY_OPERATIONS:
        return None
    if kind is RenameContentType:
        return None  # injected after a RenameModel; compiled from that RenameModel
    if kind is operations.SeparateDatabaseAndState:
        for inner in operation.database_operations:  # type: ignore[attr-defined]
            reason = operation_slow_reason(inner)
            if reason:
                return f"SeparateDatabaseAndState with {reason}"
        return None
    if kind is operations.RunPython:
        return "RunPython needs Python and data"
    if kind is operations.RunSQL:
        return "RunSQL is not verified to be state-free"
    return f"{kind.__module__}.{kind.__qualname__} is not a schema-only operation Django ships"


def migration_slow_reason(migration: Migration) -> str | None:
    """Why this migration needs the executor, or None when it can take the fast path."""
    if not migration.atomic:
        return "non-atomic migration"
    if migration.replaces:
        return "squashed migration (the executor records what it replaces)"
    for operation in migration.operations:
        reason = operation_slow_reason(operation)
        if reason:
            return reason
    return None


def _uncompiled_receivers(labels: Iterable[str]) -> list[str]:
    """Migrate signal receivers the fast path would skip: pre_migrate goes to every app,
    post_migrate to the plan's apps."""
    configs = [c for c in global_apps.get_app_configs() if c.models_module is not None]
    wanted = set(labels)
    in_plan = [config for config in configs if config.label in wanted]
    found = set()
    for signal, compiled in _COMPILED_RECEIVERS.items():
        for sender in configs if signal is signals.pre_migrate else in_plan:
            sync_receivers, async_receivers = signal._live_receivers(sender)
            for receiver in [*sync_receivers, *async_receivers]:
                if receiver not in compiled:
                    found.add(f"{receiver.__module__}.{receiver.__qualname__}")
    return sorted(found)


def plan_slow_reason(plan: SchemaPlan) -> str | None:
    """Why this schema's plan takes the executor, or None when it takes the fast path."""
    if plan.irregular:
        return "part of a squashed migration is recorded (Django's loader decides)"
    if set(plan.pending) == set(migration_state.forward_order()):
        return "nothing recorded yet: a schema built from nothing"
    nodes = migration_state.migration_loader().graph.nodes
    for key in plan.pending:
        reason = migration_slow_reason(nodes[key])
        if reason:
            return f"{key[0]}.{key[1]}: {reason}"
    receivers = _uncompiled_receivers(app for app, _name in plan.pending)
    if receivers:
        return "migrate signal receivers the fast path can't compile: " + ", ".join(receivers)
    return None


def _routed(operation: object) -> bool:
    kind = type(operation)
    if kind is operations.SeparateDatabaseAndState:
        return all(_routed(inner) for inner in operation.database_operations)  # type: ignore[attr-defined]
    return kind in _ROUTED_OPERATIONS


def ledger_only_reason(plan: SchemaPlan, *, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """Why this plan needs the executor in its schema, or None when the executor would
    send no SQL there but the ledger rows and what post_migrate ensures: every migration
    in it belongs to an app the router keeps out of the schema (a tenant app, in public),
    and consists of Django's operations, which ask the router before anything else.

    Only django-tenants' router is trusted to decide by app and schema alone (it ignores
    the model and the hints); with any other router configured, the executor decides.
    """
    if plan.irregular or set(plan.pending) == set(migration_state.forward_order()):
        return plan_slow_reason(plan)
    if list(settings.DATABASE_ROUTERS) != _TENANT_ROUTERS:
        return "routers other than django-tenants' decide where migrations run"
    nodes = migration_state.migration_loader().graph.nodes
    for key in plan.pending:
        migration = nodes[key]
        if not migration.atomic or migration.replaces:
            return f"{key[0]}.{key[1]}: {migration_slow_reason(migration)}"
        if not all(_routed(operation) for operation in migration.operations):
            return f"{key[0]}.{key[1]}: an operation Django doesn't ship may ignore the router"
        if _allowed_in(plan.schema, key[0], using):
            return f"{key[0]}.{key[1]}: its app migrates in {plan.schema}"
    receivers = _uncompiled_receivers(app for app, _name in plan.pending)
    if receivers:
        return "migrate signal receivers the fast path can't compile: " + ", ".join(receivers)
    return None


def _allowed_in(schema: str, app_label: str, using: str) -> bool:
    with schema_context(schema, database=using):
        return bool(router.allow_migrate(using, app_label))


def path_of(key: MigrationKey) -> str:
    """`fast path` or `executor (why)`, for --check."""
    reason = migration_slow_reason(migration_state.migration_loader().graph.nodes[key])
    return FAST if reason is None else f"executor ({reason})"
