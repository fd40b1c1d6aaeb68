"""Reads on the organization's endpoints and deliveries."""

from django.db.models import QuerySet

from tenant_apps.webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.all()


def endpoints_for_event(event_type: str) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(is_active=True, event_types__contains=[event_type])


def deliveries_of(endpoint: WebhookEndpoint, *, limit: int = 50) -> QuerySet[WebhookDelivery]:
    return endpoint.deliveries.all()[:limit]
