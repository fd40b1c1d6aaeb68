"""WebSocket URLs (the tenant has already been resolved from the Host header)."""

from django.urls import path, re_path

from shared_apps.platform.consumers import ProvisioningProgressConsumer
from shared_apps.tenants.runtime.consumers import NotFoundConsumer
from tenant_apps.events.activity_socket import ActivityConsumer
from tenant_apps.notifications.consumers import NotificationConsumer
from tenant_apps.tracker.consumers import TaskCommentsConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/tracker/tasks/<int:task_id>/", TaskCommentsConsumer.as_asgi()),
    path("ws/projects/<int:project_id>/activity/", ActivityConsumer.as_asgi()),
    path(
        "ws/platform/provisioning/<int:organization_id>/",
        ProvisioningProgressConsumer.as_asgi(),
    ),
    # Last: any other path is refused with a close code, not an exception.
    re_path(r"", NotFoundConsumer.as_asgi()),
]
