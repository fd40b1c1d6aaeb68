"""Writes on endpoints and deliveries: one validation and one path for the pages, the
consumer and the tasks. Deliveries are queued only after the write commits."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from shared_apps.tenants.runtime.groups import current_schema
from tenant_apps.accounts.models import User
from tenant_apps.events.registry import registered
from tenant_apps.webhooks import selectors, signing, targets
from tenant_apps.webhooks.models import WebhookDelivery, WebhookEndpoint
from tenant_apps.webhooks.tasks import deliver


def endpoint_create(
    *, url: str, description: str, event_types: list[str], created_by: User | None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (shown to the admin this once)."""
    fields = _cleaned(url=url, description=description, event_types=event_types)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint.objects.create(**fields, secret=secret, created_by=created_by)
    return endpoint, secret


def endpoint_update(
    *, endpoint: WebhookEndpoint, url: str, description: str, event_types: list[str]
) -> WebhookEndpoint:
    fields = _cleaned(url=url, description=description, event_types=event_types)
    for name, value in fields.items():
        setattr(endpoint, name, value)
    endpoint.save(update_fields=list(fields))
    return endpoint


def endpoint_secret_rotate(*, endpoint: WebhookEndpoint) -> str:
    """A new secret, in force for every delivery from now on (retries included)."""
    secret = signing.new_secret()
    endpoint.secret, endpoint.secret_rotated_at = secret, timezone.now()
    endpoint.save(update_fields=["secret", "secret_rotated_at"])
    return secret


def endpoint_enable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint.is_active, endpoint.consecutive_failures, endpoint.disabled_reason = True, 0, ""
    endpoint.save(update_fields=["is_active", "consecutive_failures", "disabled_reason"])
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def deliveries_for_event(*, envelope: dict[str, Any]) -> list[WebhookDelivery]:
    """The consumer's work: a delivery per active endpoint that chose this event's type,
    in the current (the event's) organization, each sent by a task after the commit."""
    created = []
    with transaction.atomic():
        for endpoint in selectors.endpoints_for_event(envelope["type"]):
            delivery, is_new = WebhookDelivery.objects.get_or_create(
                endpoint=endpoint,
                event_id=envelope["id"],
                defaults={"event_type": envelope["type"], "payload": envelope},
            )
            if is_new:
                created.append(delivery)
        _queue_after_commit([delivery.pk for delivery in created])
    return created


def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, by hand, with a fresh set of attempts."""
    if not delivery.endpoint.is_active:
        raise ValidationError("The endpoint is disabled: enable it, then redeliver.")
    with transaction.atomic():
        delivery.status, delivery.last_error = WebhookDelivery.Status.PENDING, ""
        delivery.save(update_fields=["status", "last_error"])
        _queue_after_commit([delivery.pk])
    return delivery


def _queue_after_commit(delivery_ids: list[int]) -> None:
    if not delivery_ids:
        return
    schema = current_schema()

    def queue() -> None:
        # Queued in the organization's schema: the task base runs it there, nowhere else.
        with schema_context(schema):
            for delivery_id in delivery_ids:
                deliver.delay(delivery_id)

    transaction.on_commit(queue)


def _cleaned(*, url: str, description: str, event_types: list[str]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    url = url.strip()
    try:
        targets.validate_endpoint_url(url)
    except ValidationError as error:
        errors["url"] = error.messages
    if len(description) > 200:
        errors["description"] = ["Keep the description under 200 characters."]
    known = {kind.name for kind in registered()}
    unknown = sorted(set(event_types) - known)
    if not event_types:
        errors["event_types"] = ["Choose at least one event type."]
    elif unknown:
        errors["event_types"] = [f"Unknown event types: {', '.join(unknown)}."]
    if errors:
        raise ValidationError(errors)
    return {
        "url": url,
        "description": description.strip(),
        "event_types": sorted(set(event_types)),
    }
