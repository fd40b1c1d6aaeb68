"""emit(): write a domain event to this organization's outbox, inside the change's transaction.

The row commits or rolls back with the change (no event for a change that never
happened, no change without its event). Once it commits, the relay is woken for this
organization (relay.py); if waking fails, the sweep still finds the row.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection, transaction
from django.utils import timezone

from shared_apps.tenants.client_ip import client_ip
from shared_apps.tenants.context import current_organization
from shared_apps.tenants.runtime.log_context import current_log_context
from tenant_apps.events import relay
from tenant_apps.events.models import OutboxEvent
from tenant_apps.events.registry import event_type

F = TypeVar("F", bound=Callable[..., Any])


class EmitOutsideTransaction(RuntimeError):
    """emit() ran in autocommit: its row would commit apart from the change it describes."""


class EmitOutsideOrganization(RuntimeError):
    """emit() ran in the public schema: every event belongs to one organization."""


def emit(
    name: str,
    *,
    entity: Any,
    payload: dict[str, Any] | None = None,
    actor: Any = None,
) -> OutboxEvent:
    """Record event `name` about `entity` (a model instance) by `actor` (a user, or the
    request's user when None). `payload` defaults to the registered type's data."""
    kind = event_type(name)
    if not connection.in_atomic_block:
        raise EmitOutsideTransaction(f"emit({name!r}) must run inside the change's transaction.")
    organization = current_organization()
    if organization is None:
        raise EmitOutsideOrganization(f"emit({name!r}) ran outside any organization.")
    entity_type, entity_id = entity._meta.label_lower, str(entity.pk)
    # Events of one entity take the relay's order from their id, which is drawn at insert:
    # holding this lock until commit means a later event of the entity is inserted only
    # after an earlier one has committed, so the relay never sees them out of order.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"events:{organization.schema_name}:{entity_type}:{entity_id}"],
        )
    event_id = uuid.uuid4()
    envelope = {
        "id": str(event_id),
        "type": kind.name,
        "schema_version": kind.version,
        "occurred_at": timezone.now().isoformat(),
        "organization": {"schema": organization.schema_name, "slug": organization.slug},
        "actor": _actor(actor),
        "entity": {"type": entity_type, "id": entity_id, "summary": kind.summary(entity)},
        "data": kind.data(entity) if payload is None else payload,
    }
    event = OutboxEvent.objects.create(
        event_id=event_id,
        event_type=kind.name,
        schema_version=kind.version,
        entity_type=entity_type,
        entity_id=entity_id,
        payload=envelope,
    )
    schema = organization.schema_name
    transaction.on_commit(lambda: relay.wake(schema=schema), robust=True)
    return event


def emits(name: str, *, actor: str | None = None) -> Callable[[F], F]:
    """Decorate a service returning the entity it changed: the change and its event in one
    transaction. `actor` names the keyword argument holding the acting user, if any."""

    def decorate(service: F) -> F:
        @functools.wraps(service)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with transaction.atomic():
                entity = service(*args, **kwargs)
                emit(name, entity=entity, actor=kwargs.get(actor) if actor else None)
            return entity

        return wrapper  # type: ignore[return-value]

    return decorate


def _actor(user: Any) -> dict[str, Any]:
    request = current_log_context().request
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    return {
        "id": str(user.pk) if user is not None else None,
        "email": getattr(user, "email", "") if user is not None else "",
        "ip": client_ip(request) if request is not None else None,
    }
