"""What every schema has applied and what it still needs, read for all schemas at once.

django-tenants' `migrate_schemas` builds a MigrationExecutor for each schema: it loads the
migration graph, reads that schema's `django_migrations` and renders the project state,
even when there is nothing to apply (about a second per schema; minutes at 1,000). Here
the graph is loaded once per process, every schema's `django_migrations` is summed up by
one query per chunk of up to 1,000 schemas, on as many connections as the run has workers
(a digest per schema; the rows are read once per distinct digest), and a schema is up to
date when every node of the graph is recorded in it.

Every node counts, not only the tenant apps': like Django's `migrate`, which
django-tenants runs in each schema, a shared app's migration is recorded in a tenant
schema too (its operations are skipped there by the database router).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader

MigrationKey = tuple[str, str]

# One statement reads this many schemas' tables. It locks each table and its primary key
# index until it ends, and the whole server has max_locks_per_transaction (64) ×
# max_connections (100) lock slots by default: 5,000 tables would need 10,000 of them.
_SCHEMAS_PER_QUERY = 1000
# Each table read costs the server a fraction of a millisecond (opening the relation, the
# scan): spread over `readers` connections when each gets at least this many schemas.
_MIN_SCHEMAS_PER_READER = 250


@dataclass(frozen=True)
class SchemaPlan:
    """The migrations one schema still needs, in the order they apply."""

    schema: str
    pending: tuple[MigrationKey, ...]
    # A squashed migration of which only some replaced migrations are recorded: this
    # schema needs Django's own per-schema graph (see migration_runner).
    irregular: bool = False

    @property
    def up_to_date(self) -> bool:
        return not self.pending

    def pending_labels(self) -> list[str]:
        return [f"{app}.{name}" for app, name in self.pending]


@functools.cache
def migration_loader() -> MigrationLoader:
    """The project's migration graph, loaded from disk once per process.

    Built without a connection, so every squashed migration replaces the ones it
    squashes; `plan_for_applied` accounts for schemas that recorded the originals.
    """
    return MigrationLoader(None, ignore_no_migrations=True)


@functools.cache
def forward_order() -> tuple[MigrationKey, ...]:
    """Every node of the graph, in the order Django applies them on an empty database."""
    graph = migration_loader().graph
    ordered: dict[MigrationKey, None] = {}
    for leaf in sorted(graph.leaf_nodes()):
        for key in graph.forwards_plan(leaf):
            ordered.setdefault(key, None)
    return tuple(ordered)


def normalize_applied(applied: Iterable[MigrationKey]) -> tuple[frozenset[MigrationKey], bool]:
    """(applied graph nodes, irregular) for what a schema recorded.

    A squashed migration counts as applied when all the migrations it replaces are
    recorded (Django records it then too); when only some are, the schema is irregular.
    """
    loader = migration_loader()
    recorded = set(applied)
    irregular = False
    for key, migration in loader.replacements.items():
        replaced = set(migration.replaces)
        done = replaced & recorded
        if done == replaced:
            recorded.add(key)
        elif done and key not in recorded:
            irregular = True
    return frozenset(key for key in recorded if key in loader.graph.nodes), irregular


@functools.lru_cache(maxsize=64)
def _plan_for_normalized(applied: frozenset[MigrationKey]) -> tuple[MigrationKey, ...]:
    return tuple(key for key in forward_order() if key not in applied)


@functools.lru_cache(maxsize=64)
def _normalized_plan(recorded: frozenset[MigrationKey]) -> tuple[tuple[MigrationKey, ...], bool]:
    nodes, irregular = normalize_applied(recorded)
    return _plan_for_normalized(nodes), irregular


def plan_for_applied(schema: str, applied: Iterable[MigrationKey] | None) -> SchemaPlan:
    """The plan of a schema that recorded `applied` (None: no django_migrations table)."""
    pending, irregular = _normalized_plan(frozenset(applied or ()))
    return SchemaPlan(schema=schema, pending=pending, irregular=irregular)


def existing_schemas(schemas: Sequence[str], *, using: str = DEFAULT_DB_ALIAS) -> dict[str, bool]:
    """{schema: has a django_migrations table} for those of `schemas` that exist."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, EXISTS (
                SELECT 1 FROM pg_catalog.pg_class c
                WHERE c.relnamespace = n.oid AND c.relname = 'django_migrations'
                  AND c.relkind IN ('r', 'p')
            )
            FROM pg_catalog.pg_namespace n
            WHERE n.nspname = ANY(%s)
            """,
            [list(schemas)],
        )
        return dict(cursor.fetchall())


def applied_by_schema(
    schemas: Sequence[str], *, using: str = DEFAULT_DB_ALIAS, readers: int = 1
) -> dict[str, frozenset[MigrationKey] | None]:
    """What each existing schema recorded, in one query per chunk of schemas plus one per
    distinct digest.

    The chunk queries return a digest of each schema's django_migrations, not its rows:
    at 10,000 schemas the rows are a million tuples to send and build, the digests ten
    thousand. Schemas with the same digest (nearly all of them) share one frozenset,
    read from one of them. Schemas that don't exist are absent from the result; a schema
    without a django_migrations table maps to None.

    With `readers` > 1 and enough schemas, the chunks are read by that many connections
    at once (threads, each with its own connection): they see committed data only.
    """
    found = existing_schemas(schemas, using=using)
    result: dict[str, frozenset[MigrationKey] | None] = {
        schema: (frozenset() if has_table else None) for schema, has_table in found.items()
    }
    with_table = [schema for schema in schemas if found.get(schema)]
    size = min(_SCHEMAS_PER_QUERY, max(_MIN_SCHEMAS_PER_READER, math.ceil(
        len(with_table) / max(1, readers))))  # fmt: skip
    chunks = [with_table[start : start + size] for start in range(0, len(with_table), size)]
    if readers > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(min(readers, len(chunks))) as pool:
            digested = list(pool.map(lambda chunk: _digests_on_own_connection(using, chunk),
                                     chunks))  # fmt: skip
    else:
        digested = [_digests(connections[using], chunk) for chunk in chunks]
    by_digest: dict[bytes, list[str]] = {}
    for pairs in digested:
        for schema, digest in pairs:
            by_digest.setdefault(digest, []).append(schema)
    connection = connections[using]
    quote = connection.ops.quote_name
    for members in by_digest.values():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT app, name FROM {quote(members[0])}.django_migrations")  # noqa: S608
            recorded = frozenset(tuple(row) for row in cursor.fetchall())
        for schema in members:
            result[schema] = recorded
    return result


def _digests(connection: BaseDatabaseWrapper, chunk: Sequence[str]) -> list[tuple[str, bytes]]:
    """(schema, digest of its django_migrations) for the non-empty tables of `chunk`.

    The rows are digested in the table's own order, not sorted (a third of the cost):
    the digest only groups schemas whose rows are identical, and schemas that recorded
    the same migrations in another order only cost one more read of their rows.
    Schema names come from pg_namespace and are quoted as identifiers. App labels and
    migration names are identifiers too: "app.name" joined by spaces is unambiguous.
    An empty table's digest is NULL.
    """
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        "SELECT %s, sha256(convert_to(string_agg(app || '.' || name, ' '), 'UTF8'))"  # noqa: S608
        f" FROM {quote(schema)}.django_migrations"
        for schema in chunk
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(chunk))
        return [(schema, bytes(digest)) for schema, digest in cursor.fetchall() if digest]


def _digests_on_own_connection(using: str, chunk: Sequence[str]) -> list[tuple[str, bytes]]:
    connection = connections[using]  # this thread's own
    try:
        return _digests(connection, chunk)
    finally:
        connection.close()


def plans_for(
    schemas: Sequence[str], *, using: str = DEFAULT_DB_ALIAS, readers: int = 1
) -> tuple[list[SchemaPlan], list[str]]:
    """(a plan per existing schema, in the given order; the schemas that don't exist)."""
    applied = applied_by_schema(schemas, using=using, readers=readers)
    plans = [plan_for_applied(schema, applied[schema]) for schema in schemas if schema in applied]
    missing = [schema for schema in schemas if schema not in applied]
    return plans, missing
