"""The relay: publish each organization's unsent outbox rows in order, then mark them sent.

How it runs: when an event commits, `wake()` adds the organization's schema to a Redis set
of dirty organizations and queues `events.relay_organization` in that schema (low latency).
Beat runs `events.relay_dirty` every few seconds in public: one SPOP takes the dirty
schemas, so a tick costs one Redis call however many organizations exist, and only
organizations that emitted something are queried. A slow backstop (`every_organization`,
spread over ten minutes) relays any organization whose wake-up was lost (Redis down at
commit, a worker killed after the SPOP).

Crash safety: rows are marked sent only after the transport accepted them, in the same
transaction that read them; a relay killed in between leaves them unsent and the next run
publishes them again (at-least-once; consumers drop duplicates by event id). One relay
per organization at a time (an advisory lock), so events leave in id order, which emit()
makes the commit order of each entity's events.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists

from shared_apps.usage.meters import record_events
from tenant_apps.events.models import OutboxEvent
from tenant_apps.events.transports import Transport, default_transport, events_redis

logger = logging.getLogger(__name__)


def dirty_key() -> str:
    return f"{settings.EVENTS_REDIS_PREFIX}dirty-organizations"


def wake(*, schema: str) -> None:
    """After an event commits: mark its organization dirty and queue its relay now."""
    from tenant_apps.events.tasks import relay_organization

    events_redis().sadd(dirty_key(), schema)
    if settings.EVENTS_RELAY_ON_COMMIT:
        with schema_context(schema):
            relay_organization.delay()


def relay_organization(*, transport: Transport | None = None, batch_size: int | None = None) -> int:
    """Publish the current organization's unsent events; return how many were published."""
    transport = transport or default_transport()
    batch_size = batch_size or settings.EVENTS_RELAY_BATCH_SIZE
    published = 0
    while True:
        with transaction.atomic():
            if not _claim_organization():
                return published  # another relay is on it and will drain it
            rows = list(
                OutboxEvent.objects.filter(sent_at=None)
                .order_by("id")
                .values_list("id", "payload")[:batch_size]
            )
            if not rows:
                return published
            transport.publish([payload for _id, payload in rows])
            OutboxEvent.objects.filter(id__in=[row_id for row_id, _payload in rows]).update(
                sent_at=timezone.now()
            )
            # Metered once marked sent: a batch published again after a crash counts once.
            transaction.on_commit(
                functools.partial(record_events, schema=connection.schema_name, count=len(rows)),
                robust=True,
            )
        published += len(rows)
        if len(rows) < batch_size:
            return published


def relay_dirty(*, transport: Transport | None = None, limit: int | None = None) -> int:
    """Relay every organization marked dirty since the last tick (run in public)."""
    transport = transport or default_transport()
    schemas = events_redis().spop(dirty_key(), limit or settings.EVENTS_RELAY_DIRTY_PER_TICK)
    published = 0
    for raw in schemas or []:
        schema = raw.decode()
        if not schema_exists(schema):
            logger.warning("Dirty events mark for a schema that no longer exists: %s", schema)
            continue
        with schema_context(schema):
            published += relay_organization(transport=transport)
    return published


def _claim_organization() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"events-relay:{connection.schema_name}"],
        )
        return cursor.fetchone()[0]
