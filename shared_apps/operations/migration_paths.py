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
from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import (
    RenameContentType,
    create_contenttypes,
    inject_rename_contenttypes_operations,
)
from django.db.migrations import operations
from django.db.migrations.migration import Migration
from django.db.models import signals

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


def path_of(key: MigrationKey) -> str:
    """`fast path` or `executor (why)`, for --check."""
    reason = migration_slow_reason(migration_state.migration_loader().graph.nodes[key])
    return FAST if reason is None else f"executor ({reason})"
