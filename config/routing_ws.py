"""WebSocket URLs (the tenant has already been resolved from the Host header)."""

from django.urls import path

from shared_apps.tenants.consumers import WhoAmIConsumer
from tenant_apps.notifications.consumers import NotificationConsumer

websocket_urlpatterns = [
    path("ws/whoami/", WhoAmIConsumer.as_asgi()),
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
