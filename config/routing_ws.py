"""WebSocket URLs (the tenant has already been resolved from the Host header)."""

from django.urls import path

from shared_apps.tenants.consumers import WhoAmIConsumer

websocket_urlpatterns = [
    path("ws/whoami/", WhoAmIConsumer.as_asgi()),
]
