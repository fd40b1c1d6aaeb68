"""Fast provisioning: new schemas built from a kept, fully migrated template schema.

Replaying every migration into a new schema takes seconds (django-tenants' path). Instead:

1. `template_refresh()` migrates the `tenant_template` schema like any organization's,
   then reads its catalogs (tables, columns, identities, sequences, constraints, indexes)
   into a list of DDL statements that name no schema, and records which tables hold rows
   (migrations, content types, permissions, data migrations' rows).
2. `schema_build_from_template(schema)` runs those statements with `search_path` set to the
   new schema, copying the rows straight from the template, as one batch in one round
   trip, inside the caller's transaction: a failure leaves no schema behind.

The snapshot is kept in the public schema (`SchemaTemplate`) and in process memory, keyed
by the set of migrations it reflects. When the code's migrations differ from the
snapshot's (a deploy added one), the template is stale: `current_snapshot()` is None and
provisioning refreshes it first (the deploy's migrate step refreshes it too).

Objects the catalog reader does not reproduce (views, functions, triggers, custom types,
partitioned or inherited tables) make the template unsupported: provisioning then falls
back to migrations, and says so in the log. Statements are plain top-level DDL, so they
also work where `clone_schema`'s database function does not (Citus schema sharding). On
Citus they are sent one per message, which Citus requires (db/citus.py); plain PostgreSQL
keeps the single round trip.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from functools import cache

from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_exists

from shared_apps.tenants.db.catalog import TemplateUnsupported as TemplateUnsupported
from shared_apps.tenants.db.catalog import recorded_migrations, schema_capture
from shared_apps.tenants.db.citus import citus_enabled, statements_run
from shared_apps.tenants.db.locks import TEMPLATE_LOCK_KEY
from shared_apps.tenants.models import PooledSchema, SchemaTemplate

logger = logging.getLogger(__name__)

TEMPLATE_SCHEMA = "tenant_template"


@dataclass(frozen=True)
class Snapshot:
    migrations_digest: str
    statements: tuple[str, ...]


@cache
def code_migrations_digest() -> str:
    """A digest of every migration in the code (what a fully migrated schema records)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return _digest(sorted(loader.graph.nodes))


@cache
def code_migrations_count() -> int:
    """How many migrations a fully migrated schema records."""
    return len(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def _digest(keys: list[tuple[str, str]]) -> str:
    return hashlib.sha256(json.dumps([list(k) for k in keys]).encode()).hexdigest()


_snapshot_cache: dict[str, Snapshot] = {}


def current_snapshot() -> Snapshot | None:
    """The stored snapshot if it matches the code's migrations, else None (stale/missing)."""
    digest = code_migrations_digest()
    if digest in _snapshot_cache:
        return _snapshot_cache[digest]
    row = SchemaTemplate.objects.filter(migrations_digest=digest).first()
    if row is None or not schema_exists(TEMPLATE_SCHEMA):
        return None
    snapshot = Snapshot(migrations_digest=digest, statements=tuple(row.statements))
    _snapshot_cache.clear()
    _snapshot_cache[digest] = snapshot
    return snapshot


def template_refresh(*, verbosity: int = 0) -> Snapshot:
    """Migrate the template schema and capture it. Safe to call from several processes."""
    connection.set_schema_to_public()
    with transaction.atomic():
        _lock(shared=False)
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{TEMPLATE_SCHEMA}"')
    call_command(
        "migrate_schemas",
        schema_name=TEMPLATE_SCHEMA,
        tenant=True,
        interactive=False,
        verbosity=verbosity,
    )
    return template_capture()


def template_capture() -> Snapshot:
    """Capture the template schema as it is now (after a deploy migrated it)."""
    connection.set_schema_to_public()
    with transaction.atomic():
        _lock(shared=False)
        recorded = recorded_migrations(TEMPLATE_SCHEMA)
        statements = schema_capture(TEMPLATE_SCHEMA)
        digest = _digest(recorded)
        SchemaTemplate.objects.all().delete()
        SchemaTemplate.objects.create(migrations_digest=digest, statements=list(statements))
    snapshot = Snapshot(migrations_digest=digest, statements=tuple(statements))
    _snapshot_cache.clear()
    _snapshot_cache[digest] = snapshot
    pool_discard_stale(current_digest=digest)
    if digest != code_migrations_digest():
        logger.warning("template %s is not fully migrated", TEMPLATE_SCHEMA)
    logger.info("template schema captured: %d statements", len(statements))
    return snapshot


def schema_build_from_template(schema_name: str, snapshot: Snapshot) -> None:
    """Create `schema_name` from the snapshot. Must run inside a transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("schema_build_from_template must run inside transaction.atomic()")
    _lock(shared=True)
    batch = [
        f'CREATE SCHEMA "{schema_name}"',
        f'SET LOCAL search_path = "{schema_name}"',
        *snapshot.statements,
        "SET LOCAL search_path = public",
    ]
    with connection.cursor() as cursor:
        if citus_enabled():
            statements_run(cursor, batch)
        else:
            cursor.execute(";\n".join(batch))
    # The connection's idea of its search_path is stale after SET LOCAL: forget it.
    connection.search_path_set_schemas = None


def _lock(*, shared: bool) -> None:
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [TEMPLATE_LOCK_KEY])


def pool_discard_stale(*, current_digest: str) -> int:
    """Drop pooled schemas built from another template snapshot (a capture made them stale).

    Here rather than in pool.py: the pool builds from the template, so the template is the
    lower module and must not import the pool."""
    stale = list(PooledSchema.objects.exclude(migrations_digest=current_digest))
    for entry in stale:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{entry.schema_name}" CASCADE')
            entry.delete()
    if stale:
        logger.info("dropped %d pooled schemas built from an older template", len(stale))
    return len(stale)
