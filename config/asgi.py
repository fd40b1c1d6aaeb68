"""ASGI entry point: HTTP through Django, WebSockets through Channels, one tenant resolver."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware  # noqa: E402

from config.drain import DrainOnSigterm  # noqa: E402
from config.routing_ws import websocket_urlpatterns  # noqa: E402
from shared_apps.tenants.routing.websocket import tenant_websocket_application  # noqa: E402

# X-Forwarded-For/-Proto are believed only from FORWARDED_ALLOW_IPS (the proxies in
# front), whichever server runs the app: everyone else's are ignored (client_ip.py).
# Outermost, the drain before a graceful shutdown (config/drain.py, WEB_DRAIN_SECONDS).
application = DrainOnSigterm(
    ProxyHeadersMiddleware(
        ProtocolTypeRouter(
            {
                "http": django_http,
                "websocket": tenant_websocket_application(URLRouter(websocket_urlpatterns)),
            }
        ),
        trusted_hosts=settings.FORWARDED_ALLOW_IPS,
    )
)
