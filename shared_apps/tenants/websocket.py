"""Tenant resolution for WebSockets: the same host parsing and cache as HTTP."""

from typing import Any

from channels.db import database_sync_to_async
from django.db import connection

from shared_apps.tenants.hosts import InvalidHost, split_host
from shared_apps.tenants.models import Organization
from shared_apps.tenants.public import PlatformSite
from shared_apps.tenants.resolver import resolve_hostname

# Close codes (4000–4999 are the application's): what the client did wrong, spelled out.
CLOSE_BAD_HOST = 4400
CLOSE_UNKNOWN_ORGANIZATION = 4404
CLOSE_ORGANIZATION_UNAVAILABLE = 4403
CLOSE_FORBIDDEN = 4403  # signed in, but not allowed here (e.g. the console's sockets, non-staff)
# Closed by tenant consumers (shared_apps/tenants/consumers.py), after the host resolved:
CLOSE_SIGN_IN_REQUIRED = 4401  # no session valid in this organization (or lacking the role)
CLOSE_GROUP_NOT_ALLOWED = 4430  # asked to join another organization's or member's group


class TenantWebSocketMiddleware:
    """Resolves `scope["tenant"]` from the Host header and binds the connection to it.

    The binding lives in a context variable (see db_backend), which Channels copies into
    the thread of every `database_sync_to_async` call the consumer makes, so consumers of
    two organizations running side by side each query their own schema.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers") or [])
        try:
            hostname, _port = split_host(headers.get(b"host", b"").decode("latin-1"))
        except InvalidHost:
            return await self._refuse(receive, send, CLOSE_BAD_HOST)
        resolution = await database_sync_to_async(resolve_hostname)(hostname)
        if resolution.is_unknown:
            return await self._refuse(receive, send, CLOSE_UNKNOWN_ORGANIZATION)
        if resolution.is_public:
            tenant: Any = PlatformSite()
            connection.set_schema_to_public()
        else:
            tenant = resolution.organization()
            if tenant.status != Organization.Status.ACTIVE or resolution.schema_missing:
                return await self._refuse(receive, send, CLOSE_ORGANIZATION_UNAVAILABLE)
            connection.set_tenant(tenant)
        return await self.app({**scope, "tenant": tenant}, receive, send)

    @staticmethod
    async def _refuse(receive: Any, send: Any, code: int) -> None:
        """Close before accepting: the handshake is answered with a 403, the code logged."""
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.close", "code": code})
