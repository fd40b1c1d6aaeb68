"""A diagnostic socket for tests only (it is not in config.routing_ws): says which
organization, schema and user a socket is bound to, through the production stack."""

from channels.generic.websocket import JsonWebsocketConsumer
from channels.routing import URLRouter
from django.db import connection
from django.urls import path

from shared_apps.tenants.routing.websocket import tenant_websocket_application


class WhoAmIConsumer(JsonWebsocketConsumer):
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


application = tenant_websocket_application(
    URLRouter([path("ws/whoami/", WhoAmIConsumer.as_asgi())])
)
