"""Consumers: each applies an event once, in the schema of the organization it belongs to.

A delivery names its organization twice (beside the payload and inside it); a message
whose two disagree, or whose organization is gone, is refused and logged,
never applied to whichever schema the process happens to be on.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context

from shared_apps.usage.meters import record_storage
from tenant_apps.accounts.roles import Role
from tenant_apps.events.activity import activity_record
from tenant_apps.events.models import AuditEntry, ProcessedEvent
from tenant_apps.events.transports import Delivery, Transport
from tenant_apps.files.models import StoredFile
from tenant_apps.notifications.services import notify_organization

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Consumer:
    name: str  # also its consumer group: each consumer sees every event once
    domains: list[str]
    handle: Callable[[dict[str, Any]], None]


class RefusedDelivery(ValueError):
    pass


def register_consumer(consumer: Consumer) -> Consumer:
    """A consumer of another app (webhooks), registered from its AppConfig.ready(): then
    `events_consume <name>` runs it like the platform's own."""
    CONSUMERS[consumer.name] = consumer
    return consumer


def apply(consumer: Consumer, delivery: Delivery) -> bool:
    """Apply one delivery in its organization's schema; False when it was applied before."""
    schema = _checked_organization(delivery)
    with schema_context(schema):
        try:
            with transaction.atomic():
                ProcessedEvent.objects.create(
                    consumer=consumer.name, event_id=uuid.UUID(delivery.envelope["id"])
                )
                consumer.handle(delivery.envelope)
        except IntegrityError:
            if ProcessedEvent.objects.filter(
                consumer=consumer.name, event_id=delivery.envelope["id"]
            ).exists():
                return False
            raise
    return True


def consume(
    consumer: Consumer, transport: Transport, *, count: int = 100, block_ms: int = 0
) -> int:
    """Read what is waiting for `consumer`, apply each once, acknowledge; return how many
    were applied (duplicates and refused messages are acknowledged, not applied)."""
    applied = 0
    for delivery in transport.read(
        group=consumer.name, domains=consumer.domains, count=count, block_ms=block_ms
    ):
        try:
            applied += apply(consumer, delivery)
        except RefusedDelivery:
            logger.exception("Refused event %s", delivery.envelope.get("id"))
        transport.ack(group=consumer.name, delivery=delivery)
    return applied


def _checked_organization(delivery: Delivery) -> str:
    schema = delivery.organization
    inside = (delivery.envelope.get("organization") or {}).get("schema")
    if inside != schema:
        raise RefusedDelivery(f"Message for {schema!r} carries a payload of {inside!r}.")
    # Any organization that still exists (one suspended after emitting keeps its audit
    # trail); never the public schema, whose tables share the tenant tables' names.
    if schema == get_public_schema_name() or not (
        get_tenant_model().objects.filter(schema_name=schema).exists()
    ):
        raise RefusedDelivery(f"No organization has the schema {schema!r}.")
    return schema


def audit_record(envelope: dict[str, Any]) -> None:
    """The audit log consumer: one entry per event, in the event's organization."""
    actor, entity = envelope.get("actor") or {}, envelope["entity"]
    AuditEntry.objects.create(
        event_id=envelope["id"],
        event_type=envelope["type"],
        occurred_at=envelope["occurred_at"],
        actor_id=actor.get("id") or "",
        actor_email=actor.get("email") or "",
        ip_address=actor.get("ip"),
        entity_type=entity["type"],
        entity_id=entity["id"],
        summary=entity.get("summary", "")[:300],
    )


# The notification dispatcher's rules: event type → who hears of it, and the title.
NOTIFICATION_RULES: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "accounts.member.joined": (Role.ADMIN, lambda e: f"{e['data']['email']} joined"),
    "accounts.member.deactivated": (
        Role.ADMIN,
        lambda e: f"{e['data']['email']} was deactivated by {e['actor']['email'] or 'someone'}",
    ),
}


def notification_dispatch(envelope: dict[str, Any]) -> None:
    """The notification dispatcher: bell notifications for the event types with a rule."""
    rule = NOTIFICATION_RULES.get(envelope["type"])
    if rule is None:
        return
    minimum_role, title = rule
    notify_organization(
        title=title(envelope)[:200], minimum_role=minimum_role, source=f"event:{envelope['id']}"
    )


def usage_storage(envelope: dict[str, Any]) -> None:
    """Usage metering's storage gauge: the organization's stored bytes after each file
    event, summed from its files (exact, and right again after any missed event)."""
    total = StoredFile.objects.aggregate(total=Sum("size"))["total"] or 0
    record_storage(schema=envelope["organization"]["schema"], size=total)


AUDIT = Consumer(name="audit", domains=["tracker", "accounts", "files"], handle=audit_record)
NOTIFICATIONS = Consumer(name="notifications", domains=["accounts"], handle=notification_dispatch)
USAGE = Consumer(name="usage", domains=["files"], handle=usage_storage)
ACTIVITY = Consumer(name="activity", domains=["tracker"], handle=activity_record)
CONSUMERS = {consumer.name: consumer for consumer in (AUDIT, NOTIFICATIONS, USAGE, ACTIVITY)}
