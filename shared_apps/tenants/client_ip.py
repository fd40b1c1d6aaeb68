"""The client's address: the one every rate limit and audit line uses.

X-Forwarded-For is honoured only from the proxies in FORWARDED_ALLOW_IPS (default
127.0.0.1): config/asgi.py wraps the application in uvicorn's ProxyHeadersMiddleware with
that list, so REMOTE_ADDR is already the client's address, whatever server runs the app.
Anyone else's X-Forwarded-For is ignored, so it cannot dodge a per-IP limit or forge the
audit log. Read it here rather than from request.META, so there is one definition.
"""

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
