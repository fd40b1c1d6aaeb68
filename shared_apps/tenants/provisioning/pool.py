"""A warm pool of schemas built ahead of time from the template.

Provisioning takes one (row lock with SKIP LOCKED, so concurrent sign-ups never share one)
and renames it to the organization's schema inside its own transaction: a rename instead
of a build. A task tops the pool up after each use. Pooled schemas belong to one template
snapshot; when the template is refreshed (new migrations), the old ones are dropped.
`SCHEMA_POOL_SIZE = 0` turns the pool off; provisioning then builds from the template.
"""

import functools
import logging
import secrets

from django.conf import settings
from django.db import transaction

from shared_apps.tenants.db.citus import citus_enabled
from shared_apps.tenants.models import PooledSchema
from shared_apps.tenants.provisioning.placement import schema_place_new
from shared_apps.tenants.provisioning.template import (
    Snapshot,
    current_snapshot,
    schema_build_from_template,
)

logger = logging.getLogger(__name__)

POOL_PREFIX = "tenant_pool_"


def pool_take(snapshot: Snapshot) -> str | None:
    """Claim a pooled schema built from `snapshot`; must run inside the caller's transaction
    (the claim and the rename commit or roll back with the organization)."""
    entry = (
        PooledSchema.objects.select_for_update(skip_locked=True)
        .filter(migrations_digest=snapshot.migrations_digest)
        .order_by("pk")
        .first()
    )
    if entry is None:
        return None
    entry.delete()
    return entry.schema_name


def pool_fill(*, size: int | None = None) -> int:
    """Build schemas until the pool holds `size` (default SCHEMA_POOL_SIZE); returns how
    many were built. Each is built and recorded in its own short transaction."""
    target = settings.SCHEMA_POOL_SIZE if size is None else size
    snapshot = current_snapshot()
    if snapshot is None or target <= 0:
        return 0
    built = 0
    while (
        PooledSchema.objects.filter(migrations_digest=snapshot.migrations_digest).count() < target
    ):
        name = POOL_PREFIX + secrets.token_hex(6)
        with transaction.atomic():
            schema_build_from_template(name, snapshot)
            PooledSchema.objects.create(
                schema_name=name, migrations_digest=snapshot.migrations_digest
            )
            if citus_enabled():
                # Onto the least loaded worker once committed, while it is empty and
                # unclaimed (a claim racing the move waits for it).
                transaction.on_commit(functools.partial(schema_place_new, name))
        built += 1
    return built
