"""The ASGI app the fan-out benchmark serves: Tenantry's, plus two benchmark-only routes.

* /bench/plain/<group>/ – the baseline: a plain Channels consumer, no tenant middleware,
  no session or user, a group name of the benchmark's choosing.
* /bench/tenant-echo/ – Tenantry's WebSocket stack (host → organization, session and
  user from the organization's schema, groups named with the schema) with a consumer
  that forwards the event as is: the cost of tenancy without the bell's own work.
* /ws/notifications/ – the real bell (re-reads the member's unread count and latest
  notifications from the schema and renders the fragment, per delivery).
"""

from typing import Any

from channels.auth import AuthMiddleware
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import URLRouter
from channels.sessions import SessionMiddlewareStack
from django.urls import path

from config.asgi import application as tenantry_application
from config.routing_ws import websocket_urlpatterns
from shared_apps.tenants.routing.websocket import TenantWebSocketMiddleware
from shared_apps.tenants.runtime.consumers import TenantConsumer
from tenant_apps.accounts.roles import Role, has_role


class PlainFanoutConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = f"plain.{self.scope['url_route']['kwargs']['group']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def bench_message(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])


class TenantEchoConsumer(TenantConsumer):
    def is_allowed(self, user: Any) -> bool:
        return has_role(user, Role.MEMBER)

    async def bench_message(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])


_plain = URLRouter([path("bench/plain/<str:group>/", PlainFanoutConsumer.as_asgi())])
_tenant = TenantWebSocketMiddleware(
    SessionMiddlewareStack(
        AuthMiddleware(
            URLRouter(
                # Before Tenantry's routes: their last one refuses every other path (4404).
                [path("bench/tenant-echo/", TenantEchoConsumer.as_asgi()), *websocket_urlpatterns]
            )
        )
    )
)


async def application(scope: dict, receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        router = _plain if scope["path"].startswith("/bench/plain/") else _tenant
        return await router(scope, receive, send)
    return await tenantry_application(scope, receive, send)
