from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer
from django.db import connection

from shared_apps.tenants.models import Organization
from shared_apps.tenants.progress import provisioning_group

# 4401: sign in first; 4403: not platform staff / not the platform host; 4404: no such org.
CLOSE_SIGN_IN = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


class WhoAmIConsumer(JsonWebsocketConsumer):
    """Says which organization, schema and user the socket is bound to (a diagnostic)."""

    def connect(self) -> None:
        self.accept()
        user = self.scope.get("user")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            (schema,) = cursor.fetchone()
        self.send_json(
            {
                "organization": getattr(self.scope["tenant"], "slug", None),
                "schema": schema,
                "user": user.email if user and user.is_authenticated else None,
            }
        )


class ProvisioningProgressConsumer(JsonWebsocketConsumer):
    """The console's live view of one organization being provisioned (staff only)."""

    def connect(self) -> None:
        user = self.scope.get("user")
        if not getattr(self.scope["tenant"], "is_public", False):
            return self.close(code=CLOSE_FORBIDDEN)
        if not user or not user.is_authenticated:
            return self.close(code=CLOSE_SIGN_IN)
        if not user.is_staff:
            return self.close(code=CLOSE_FORBIDDEN)
        organization_id = int(self.scope["url_route"]["kwargs"]["organization_id"])
        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None:
            return self.close(code=CLOSE_NOT_FOUND)
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
