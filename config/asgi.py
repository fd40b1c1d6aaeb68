"""ASGI entry point: HTTP through Django, WebSockets through Channels, one tenant resolver."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.routing_ws import websocket_urlpatterns  # noqa: E402
from shared_apps.tenants.websocket import tenant_websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_http,
        "websocket": tenant_websocket_application(URLRouter(websocket_urlpatterns)),
    }
)
