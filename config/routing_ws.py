"""WebSocket URLs (the tenant has already been resolved from the Host header)."""

from django.urls import path

from shared_apps.tenants.consumers import ProvisioningProgressConsumer, WhoAmIConsumer
from tenant_apps.notifications.consumers import NotificationConsumer

websocket_urlpatterns = [
    path("ws/whoami/", WhoAmIConsumer.as_asgi()),
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path(
        "ws/platform/provisioning/<int:organization_id>/",
        ProvisioningProgressConsumer.as_asgi(),
    ),
]
