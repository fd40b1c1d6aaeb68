"""The fast path: a plan's SQL collected once, then sent to each schema in one message.

For a group of schemas that recorded the same migrations (so they need the same plan),
the first two are migrated by Django's executor as usual ("pilots"), while a schema editor
that records every statement it sends collects, per migration, exactly what `sqlmigrate`
would print for that schema, deferred SQL (constraints, indexes added at the end)
included. Collected by running it, against the schema's real catalog, rather than with
`collect_sql=True`: operations such as AlterField look constraint names up in the
database, and a dry run of several migrations in a row would look them up in a schema
that never saw the earlier ones.

The plan is compiled only when both pilots' SQL is identical and names neither schema
(tables are found through `search_path`; Django derives index and constraint names from
table and column names, never from the schema). Each remaining schema then receives its
statements as one transaction: `SET LOCAL search_path`, the guard, each migration's SQL followed by
its `django_migrations` row (`applied` = the clock when it was recorded, as the executor
does), the content type renames Django injects after a RenameModel, and, when the plan
may change which models or permissions exist (`changes_models`), the content types and
permissions `post_migrate` would create for the plan's apps. A worker sends a batch of
schemas as one simple-query message, each schema between BEGIN and COMMIT (see
migrate_schemas_compiled): each schema gets all of its statements or, on any error, none
of them, and the SET LOCAL ends with its transaction.

A schema whose message fails is migrated again by the executor, which reads its own
catalog: the result is the executor's, success or failure, as before the fast path.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from django.apps import apps as global_apps
from django.contrib.auth.management import _get_all_permissions
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations import operations
from django_tenants.utils import quote_schema_name
from psycopg.sql import Literal

from shared_apps.operations import migration_state
from shared_apps.operations.migration_state import MigrationKey, SchemaPlan
from shared_apps.operations.schema_migration import SchemaOutcome, migrate_schema

PILOTS = 2
# Pilots that fail are reported like any schema; after this many the group stops trying.
_MAX_PILOT_ATTEMPTS = 4


@dataclass(frozen=True)
class CompiledPlan:
    """A plan's statements, without any schema name; `message_for` adds the schema."""

    pending: tuple[MigrationKey, ...]
    body: str
    ledger_keys: str  # the plan's (app, name) pairs as an SQL row list, for the guard
    statements: int
    pilots: tuple[str, ...]

    def labels(self) -> tuple[str, ...]:
        return tuple(f"{app}.{name}" for app, name in self.pending)

    def message_for(self, schema: str, connection: BaseDatabaseWrapper) -> str:
        # Guard: SET search_path silently skips a schema that doesn't exist, and the DDL
        # would then find public's tables: the `::regnamespace` cast raises instead. A
        # ledger row already there means the schema moved on since it was read (the
        # executor will look at it again): casting a name made from that row to
        # `regclass` raises, naming the migration, and only when such a row exists. Two
        # plain statements, not a `DO` block: PL/pgSQL compiled its block anew for every
        # message, 0.15-0.25 ms of the server's CPU per schema, about a fifth of a message.
        name = quote_schema_name(schema)
        # psycopg's quoting, on the open connection (its encoding and string settings):
        # 2 µs, where compose_sql's client cursor took 40 per schema.
        connection.ensure_connection()
        literal = Literal(name).as_string(connection.connection)
        # Both quoted: the schema by psycopg, the ledger keys by compose_sql (_compile).
        guard = (
            f"SELECT {literal}::regnamespace;\n"  # noqa: S608
            "SELECT quote_ident(\"app\" || '.' || \"name\" || ' is already recorded')::regclass"
            f' FROM "django_migrations" WHERE ("app", "name") IN ({self.ledger_keys})'
        )
        path = f"SET LOCAL search_path = {name}, public"
        return f"{path};\n{guard};\n{self.body}"


@dataclass(frozen=True)
class Compilation:
    """The pilots' outcomes, and the compiled plan or why there is none."""

    pilots: list[SchemaOutcome]
    plan: CompiledPlan | None
    reason: str = ""


Recording = tuple[SchemaOutcome, list[tuple[MigrationKey, list[str]]]]


def record_pilots(schemas: Sequence[str]) -> list[Recording]:
    """The pilots one after the other, in this process (what a pool of workers replaces)."""
    return [record_pilot(schema) for schema in schemas]


def compile_from_pilots(
    plans: Sequence[SchemaPlan],
    *,
    using: str = DEFAULT_DB_ALIAS,
    record: Callable[[Sequence[str]], list[Recording]] = record_pilots,
) -> Compilation:
    """Migrate the first schemas of `plans` (one applied set) with the executor, recording
    their SQL, and compile the plan for the others if the recordings allow it.

    `record` migrates the schemas it is given (at most PILOTS at a time, possibly at once:
    each is its own transaction, recorded by its own connection) and returns their
    recordings in order; after a failure the next schemas are tried."""
    outcomes: list[SchemaOutcome] = []
    recordings: list[tuple[str, list[tuple[MigrationKey, list[str]]]]] = []
    candidates = [plan.schema for plan in plans[:_MAX_PILOT_ATTEMPTS]]
    while candidates and len(recordings) < PILOTS:
        wanted = PILOTS - len(recordings)
        batch, candidates = candidates[:wanted], candidates[wanted:]
        for schema, (outcome, recorded) in zip(batch, record(batch), strict=True):
            outcomes.append(replace(outcome, path="executor, pilot"))
            if not outcome.failed:
                recordings.append((schema, recorded))
    if len(recordings) < PILOTS:
        return Compilation(outcomes, None, "the pilot schemas failed (see their errors)")
    reason = recording_differences(plans[0].pending, recordings)
    if reason:
        return Compilation(outcomes, None, reason)
    schemas = tuple(schema for schema, _recorded in recordings)
    compiled = _compile(plans[0].pending, recordings[0][1], schema=schemas[0], using=using)
    return Compilation(outcomes, replace(compiled, pilots=schemas))


def compile_ledger_only(plan: SchemaPlan, *, using: str = DEFAULT_DB_ALIAS) -> CompiledPlan:
    """The plan of a schema the router keeps every one of its migrations out of (see
    migration_paths.ledger_only_reason): no migration's SQL, only what the executor would
    still write there (ledger rows, content type renames, post_migrate's rows), so no
    pilot is needed. The deploy's public schema, when a release changes only tenant apps."""
    recorded = [(key, []) for key in plan.pending]
    return _compile(plan.pending, recorded, schema=plan.schema, using=using)


def migrate_schema_compiled(
    schema: str, compiled: CompiledPlan, *, using: str = DEFAULT_DB_ALIAS
) -> SchemaOutcome:
    """Apply the compiled plan to `schema` in one round trip; on failure, the executor."""
    return migrate_schemas_compiled([schema], compiled, using=using)[0]


def migrate_schemas_compiled(
    schemas: Sequence[str], compiled: CompiledPlan, *, using: str = DEFAULT_DB_ALIAS
) -> list[SchemaOutcome]:
    """Apply the compiled plan to each of `schemas`, in order.

    Outside a transaction, every schema's message goes in one message for all of them,
    each between its own BEGIN and COMMIT: PostgreSQL commits each schema as it reaches
    it and, at an error, rolls back the schema it is in and runs nothing after it (one
    round trip for a batch: the server never waits for the client between schemas).
    After a failure, the schemas that committed are read back from their ledgers, and
    the others are sent again one by one. Inside a caller's transaction, one message per
    schema (a BEGIN there would not start a transaction, and a COMMIT would end the
    caller's).
    """
    connection = connections[using]
    if len(schemas) > 1 and connection.get_autocommit():
        return _migrate_in_one_message(schemas, compiled, using=using)
    return _migrate_one_by_one(schemas, compiled, using=using)


def _migrate_in_one_message(
    schemas: Sequence[str], compiled: CompiledPlan, *, using: str
) -> list[SchemaOutcome]:
    connection = connections[using]
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("\n".join(
                f"BEGIN;\n{compiled.message_for(schema, connection)};\nCOMMIT;"
                for schema in schemas
            ))  # fmt: skip
    except Exception:
        _end_failed_transaction(using)
        committed = _recorded_plan(schemas, compiled, using=using)
    else:
        committed = set(schemas)
    each = (time.monotonic() - started) / len(schemas)
    done = {
        schema: SchemaOutcome(schema=schema, applied=compiled.labels(), seconds=each,
                              pid=os.getpid(), path="fast path")
        for schema in committed
    }  # fmt: skip
    again = [schema for schema in schemas if schema not in committed]
    done.update(zip(again, _migrate_one_by_one(again, compiled, using=using), strict=True))
    return [done[schema] for schema in schemas]


def _end_failed_transaction(using: str) -> None:
    """Roll back the schema the message failed in (its connection may also be gone)."""
    connection = connections[using]
    try:
        connection.connection.execute("ROLLBACK")
    except Exception:
        connection.close()


def _recorded_plan(schemas: Sequence[str], compiled: CompiledPlan, *, using: str) -> set[str]:
    """Those of `schemas` whose ledger holds every migration of the plan."""
    applied = migration_state.applied_by_schema(schemas, using=using)
    return {
        schema for schema in schemas
        if set(compiled.pending) <= (applied.get(schema) or frozenset())
    }  # fmt: skip


def _migrate_one_by_one(
    schemas: Sequence[str], compiled: CompiledPlan, *, using: str
) -> list[SchemaOutcome]:
    """One message each, on one cursor: django-tenants sends `SET search_path` whenever
    a cursor is opened, a round trip the message (which sets its own) doesn't need. A
    schema whose message fails is migrated by the executor."""
    connection = connections[using]
    outcomes = []
    cursor = None
    try:
        for schema in schemas:
            started = time.monotonic()
            try:
                cursor = cursor or connection.cursor()
                cursor.execute(compiled.message_for(schema, connection))
                if connection.in_atomic_block:
                    # Inside a caller's transaction the SET LOCAL lasts until that ends.
                    connection.search_path_set_schemas = None
            except Exception as error:
                if cursor is not None:
                    cursor.close()
                    cursor = None
                outcomes.append(_executor_after(schema, error, using=using))
                continue
            outcomes.append(SchemaOutcome(
                schema=schema, applied=compiled.labels(), seconds=time.monotonic() - started,
                pid=os.getpid(), path="fast path",
            ))  # fmt: skip
    finally:
        if cursor is not None:
            cursor.close()
    return outcomes


def _executor_after(schema: str, error: Exception, *, using: str) -> SchemaOutcome:
    """A schema whose message failed, migrated by the executor: its outcome is final."""
    first = f"{type(error).__name__}: {error}".strip().splitlines()[0]
    connections[using].close_if_unusable_or_obsolete()
    outcome = migrate_schema(schema, using=using)
    return replace(outcome, path=f"executor after the fast path failed ({first})")


def record_pilot(schema: str, *, using: str = DEFAULT_DB_ALIAS) -> Recording:
    """Migrate `schema` with the executor, recording each migration's schema-editor SQL."""
    connection = connections[using]
    recorded: list[tuple[MigrationKey, list[str]]] = []
    outside: list[str] = []

    def on_progress(action: str, migration: object = None, fake: bool = False) -> None:
        if action == "apply_start":
            recorded.append(((migration.app_label, migration.name), []))  # type: ignore[attr-defined]

    class RecordingSchemaEditor(connection.SchemaEditorClass):  # type: ignore[name-defined]
        def execute(self, sql: object, params: object = ()) -> None:
            # What PostgreSQL's schema editor sends: parameters merged client-side.
            if params is not None:
                sql = self.connection.ops.compose_sql(str(sql), params)
            (recorded[-1][1] if recorded else outside).append(str(sql))
            super().execute(sql, None)

    connection.SchemaEditorClass = RecordingSchemaEditor
    try:
        outcome = migrate_schema(schema, using=using, progress_callback=on_progress)
    finally:
        del connection.SchemaEditorClass
    if outside:
        recorded.insert(0, (("", "outside any migration"), outside))
    return outcome, recorded


def _names_schema(statement: str, schema: str) -> bool:
    return re.search(rf"(?<![\w$]){re.escape(schema)}(?![\w$])", statement, re.I) is not None


def recording_differences(
    pending: tuple[MigrationKey, ...], recordings: list[tuple[str, list]]
) -> str | None:
    """Why the pilots' SQL can't be replayed elsewhere, or None."""
    (first, first_sql), (second, second_sql) = recordings[:2]
    if [key for key, _sql in first_sql] != list(pending):
        return f"the executor applied something else than the plan in {first}"
    if first_sql != second_sql:
        for (key, one), (_key, other) in zip(first_sql, second_sql, strict=False):
            if one != other:
                return f"{key[0]}.{key[1]}: its SQL differs between {first} and {second}"
        return f"the SQL differs between {first} and {second}"
    for key, statements in first_sql:
        for statement in statements:
            for schema in (first, second):
                if _names_schema(statement, schema):
                    return f"{key[0]}.{key[1]}: its SQL names the schema {schema}"
    return None


def _compile(
    pending: tuple[MigrationKey, ...], recorded: list, *, schema: str, using: str
) -> CompiledPlan:
    connection = connections[using]
    nodes = migration_state.migration_loader().graph.nodes
    statements: list[str] = []
    # Routers decide per schema: ask about the one the statements were recorded in.
    connection.set_schema(schema)
    try:
        contenttypes = _allowed(using, "contenttypes", "ContentType")
        permissions = _allowed(using, "auth", "Permission")
    finally:
        connection.set_schema_to_public()
    for key, sql in recorded:
        statements += sql
        if contenttypes:
            statements += _content_type_renames(connection, nodes[key])
        statements.append(
            connection.ops.compose_sql(
                'INSERT INTO "django_migrations" ("app", "name", "applied")'
                " VALUES (%s, %s, clock_timestamp())",
                list(key),
            )
        )
    if changes_models(nodes[key] for key in pending):
        labels = {app for app, _name in pending}
        statements += _post_migrate(connection, labels, contenttypes, permissions)
    ledger_keys = ", ".join(connection.ops.compose_sql("(%s, %s)", list(key)) for key in pending)
    body = ";\n".join(statement.rstrip().rstrip(";") for statement in statements)
    return CompiledPlan(
        pending=pending, body=body, ledger_keys=ledger_keys,
        statements=len(statements), pilots=(),
    )  # fmt: skip


# Operations after which contenttypes' and auth's post_migrate receivers find nothing new
# to create: they add no model, rename none and change no model's permissions options.
# (DeleteModel leaves its rows, as the executor does; remove_stale_contenttypes is apart.)
_KEEP_MODELS = frozenset({
    operations.AddField, operations.RemoveField, operations.AlterField,
    operations.RenameField, operations.AddIndex, operations.RemoveIndex,
    operations.RenameIndex, operations.AddConstraint, operations.RemoveConstraint,
    operations.AlterUniqueTogether, operations.AlterIndexTogether,
    operations.AlterModelTable, operations.AlterModelTableComment,
    operations.AlterOrderWithRespectTo, operations.AlterModelManagers,
    operations.DeleteModel,
})  # fmt: skip


def changes_models(migrations: Iterable[object]) -> bool:
    """Whether the plan may change which content types and permissions exist.

    If not, every schema already has the rows post_migrate would ensure: the migrate that
    recorded the plan's predecessors (the executor, the fast path or the provisioning
    template, which copies them) left one per model and permission of the code as of
    those migrations, and the plan changes none of them. Classes are matched exactly.
    """
    return any(
        type(operation) not in _KEEP_MODELS
        for migration in migrations
        for operation in migration.operations  # type: ignore[attr-defined]
    )


def _allowed(using: str, app_label: str, model_name: str) -> bool:
    try:
        model = global_apps.get_model(app_label, model_name)
    except LookupError:
        return False
    return router.allow_migrate_model(using, model)


def _content_type_renames(connection: BaseDatabaseWrapper, migration: object) -> list[str]:
    """What contenttypes' RenameContentType does after each RenameModel, as SQL: rename
    the content type unless one with the new name exists (then it leaves both)."""
    renames = []
    for operation in migration.operations:  # type: ignore[attr-defined]
        if type(operation) is operations.RenameModel:
            app = migration.app_label  # type: ignore[attr-defined]
            old, new = operation.old_name_lower, operation.new_name_lower
            renames.append(
                connection.ops.compose_sql(
                    'UPDATE "django_content_type" SET "model" = %s'
                    ' WHERE "app_label" = %s AND "model" = %s AND NOT EXISTS'
                    ' (SELECT FROM "django_content_type" WHERE "app_label" = %s'
                    ' AND "model" = %s)',
                    [new, app, old, app, new],
                )
            )
    return renames


_INSERT_CONTENT_TYPE = (
    'INSERT INTO "django_content_type" ("app_label", "model") SELECT %s, %s WHERE NOT EXISTS'
    ' (SELECT FROM "django_content_type" WHERE "app_label" = %s AND "model" = %s)'
)
_INSERT_PERMISSION = (
    'INSERT INTO "auth_permission" ("name", "content_type_id", "codename")'
    ' SELECT %s, c."id", %s FROM "django_content_type" c'
    ' WHERE c."app_label" = %s AND c."model" = %s AND NOT EXISTS'
    ' (SELECT FROM "auth_permission" p WHERE p."content_type_id" = c."id" AND p."codename" = %s)'
)


def _post_migrate(
    connection: BaseDatabaseWrapper, labels: set[str], contenttypes: bool, permissions: bool
) -> list[str]:
    """What contenttypes' and auth's post_migrate receivers create for these apps, as
    SQL that inserts only the missing rows, one by one in Django's order (so identities
    are assigned as Django's bulk_create would)."""
    compose = connection.ops.compose_sql
    statements = []
    for app_config in global_apps.get_app_configs():
        if app_config.label not in labels or app_config.models_module is None:
            continue
        models = [(model, model._meta.model_name) for model in app_config.get_models()]
        if contenttypes:
            statements += [
                compose(_INSERT_CONTENT_TYPE, [app_config.label, name] * 2)
                for _model, name in models
            ]
        if permissions:
            statements += [
                compose(_INSERT_PERMISSION, [str(title), code, app_config.label, name, code])
                for model, name in models
                for code, title in _get_all_permissions(model._meta)
            ]
    return statements
