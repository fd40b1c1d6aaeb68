from channels.generic.websocket import JsonWebsocketConsumer
from django.db import connection


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
