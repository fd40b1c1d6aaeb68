"""Tenant resolution for WebSockets: the same host parsing and cache as HTTP, and the
handshake's Origin checked against that host."""

from typing import Any
from urllib.parse import urlsplit

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.sessions import SessionMiddlewareStack
from django.db import connection

from shared_apps.tenants.models import Organization
from shared_apps.tenants.routing.public import PlatformSite
from shared_apps.tenants.routing.resolver import resolve_hostname
from shared_apps.tenants.validators import InvalidHost, split_host

# Close codes (4000–4999 are the application's): what the client did wrong, spelled out.
CLOSE_BAD_HOST = 4400
CLOSE_UNKNOWN_ORGANIZATION = 4404
CLOSE_ORGANIZATION_UNAVAILABLE = 4403
CLOSE_FORBIDDEN = 4403  # signed in, but not allowed here (e.g. the console's sockets, non-staff)
CLOSE_CROSS_ORIGIN = 4403  # the page that opened the socket is not on this host
CLOSE_UNKNOWN_PATH = 4404  # no socket at this path (NotFoundConsumer)
# Closed by tenant consumers (shared_apps/tenants/runtime/consumers.py), after the host resolved:
CLOSE_SIGN_IN_REQUIRED = 4401  # no session valid in this organization (or lacking the role)
CLOSE_GROUP_NOT_ALLOWED = 4430  # asked to join another organization's or member's group
CLOSE_TWO_FACTOR_REQUIRED = 4428  # the organization requires two-factor; this member has none


class TenantWebSocketMiddleware:
    """Resolves `scope["tenant"]` from the Host header and binds the connection to it.

    The binding lives in a context variable (see db_backend), which Channels copies into
    the thread of every `database_sync_to_async` call the consumer makes, so consumers of
    two organizations running side by side each query their own schema.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers") or [])
        try:
            hostname, port = split_host(headers.get(b"host", b"").decode("latin-1"))
        except InvalidHost:
            return await self._refuse(receive, send, CLOSE_BAD_HOST)
        if not origin_is_host(headers.get(b"origin"), hostname, port):
            return await self._refuse(receive, send, CLOSE_CROSS_ORIGIN)
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


_DEFAULT_PORTS = {"http": "80", "https": "443"}


def origin_is_host(origin: bytes | None, hostname: str, port: str) -> bool:
    """Whether the handshake's Origin is this very host (scheme's default port allowed).

    Channels' AllowedHostsOriginValidator admits any host in ALLOWED_HOSTS, which holds
    every organization's subdomain: a page at globex.<domain> could then open a socket at
    acme.<domain> with the visitor's Acme cookie. Browsers always send Origin on a
    WebSocket handshake; a client without one is not a page Tenantry served, so it is
    refused too (the bell is Tenantry's own page's socket, not an API).
    """
    if not origin:
        return False
    try:
        parts = urlsplit(origin.decode("latin-1"))
        origin_hostname, origin_port = split_host(parts.netloc)
    except (InvalidHost, ValueError):
        return False
    default = _DEFAULT_PORTS.get(parts.scheme)
    if default is None:
        return False
    return (origin_hostname, origin_port or default) == (hostname, port or default)


def tenant_websocket_application(router: Any) -> Any:
    """The WebSocket stack around `router`: tenant and Origin, then session and user."""
    return TenantWebSocketMiddleware(SessionMiddlewareStack(AuthMiddleware(router)))
