"""The console's sockets."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer

from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning.progress import provisioning_group
from shared_apps.tenants.routing.websocket import (
    CLOSE_FORBIDDEN,
    CLOSE_SIGN_IN_REQUIRED,
    CLOSE_UNKNOWN_ORGANIZATION,
)


class ProvisioningProgressConsumer(JsonWebsocketConsumer):
    """The console's live view of one organization being provisioned (staff only)."""

    def connect(self) -> None:
        user = self.scope.get("user")
        if not getattr(self.scope["tenant"], "is_public", False):
            return self.close(code=CLOSE_FORBIDDEN)
        if not user or not user.is_authenticated:
            return self.close(code=CLOSE_SIGN_IN_REQUIRED)
        if not user.is_staff:
            return self.close(code=CLOSE_FORBIDDEN)
        organization_id = int(self.scope["url_route"]["kwargs"]["organization_id"])
        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None:
            return self.close(code=CLOSE_UNKNOWN_ORGANIZATION)
        self.group = provisioning_group(organization_id)
        self.groups.append(self.group)
        async_to_sync(self.channel_layer.group_add)(self.group, self.channel_name)
        self.accept()
        # The current state first, so a page that connects late misses nothing.
        self.send_json(
            {
                "step": "Ready" if organization.status != "provisioning" else "Queued",
                "status": "failed" if organization.provisioning_error else organization.status,
                "error": organization.provisioning_error,
            }
        )
        return None

    def provisioning_progress(self, event: dict[str, Any]) -> None:
        self.send_json({key: event[key] for key in ("step", "status", "error")})
