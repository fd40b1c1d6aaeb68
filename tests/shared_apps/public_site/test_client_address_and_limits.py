"""The client address behind proxies, and the public site's per-feature limits.

Requests go through config.asgi.application (as uvicorn hands them over), so the
proxy-header handling the application applies is part of what is tested.
"""

import asyncio
from urllib.parse import urlencode

import pytest
from asgiref.sync import async_to_sync
from django.core import signals
from django.db import close_old_connections

from shared_apps.tenants.models import AuditEvent

pytestmark = pytest.mark.django_db

UNTRUSTED_PEER = "203.0.113.7"
PROXY = "127.0.0.1"  # FORWARDED_ALLOW_IPS' default
_CSRF = "a" * 32


def post(
    path: str, data: dict, *, peer: str, forwarded_for: str | None = None, host: str = "localhost"
) -> int:
    """POSTs a form to `host` (the public site) from `peer`; returns the status, or 423
    when the page says allauth's failed sign-in limit was reached."""
    from config.asgi import application

    body = urlencode({**data, "csrfmiddlewaretoken": _CSRF}).encode()
    headers = [
        (b"host", host.encode()),
        (b"cookie", f"csrftoken={_CSRF}".encode()),
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", str(len(body)).encode()),
    ]
    if forwarded_for:
        headers.append((b"x-forwarded-for", forwarded_for.encode()))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "headers": headers, "client": (peer, 50000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    sent: list[dict] = []

    async def call() -> None:
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict:
            if messages:
                return messages.pop()
            await asyncio.Event().wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        await application(scope, receive, send)

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        async_to_sync(call)()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    if b"Too many failed login attempts" in body:
        return 423
    return next(m for m in sent if m["type"] == "http.response.start")["status"]


def find(**kwargs) -> int:
    return post("/find/", {"email": "someone@example.com"}, **kwargs)


def signup(slug: str = "newco", **kwargs) -> int:
    return post("/signup/", {"name": "New Co", "slug": slug, "email": "o@newco.test"}, **kwargs)


@pytest.fixture
def self_serve(settings):
    settings.SELF_SERVE_SIGNUP = True


def test_find_limit_triggers_after_ten_an_hour():
    assert [find(peer=UNTRUSTED_PEER) for _ in range(10)] == [200] * 10
    assert find(peer=UNTRUSTED_PEER) == 302  # "Too many requests", back to the form
    assert find(peer="203.0.113.8") == 200  # another address is not affected


def test_signup_limit_triggers_after_ten_an_hour(self_serve):
    # The first creates the workspace; the next are refused (slug taken) but still count.
    assert [signup(peer=UNTRUSTED_PEER) for _ in range(10)] == [200] * 10
    assert signup(peer=UNTRUSTED_PEER) == 302


def test_using_up_find_does_not_lock_the_address_out_of_signup(self_serve):
    for _ in range(11):
        find(peer=UNTRUSTED_PEER)
    assert find(peer=UNTRUSTED_PEER) == 302
    assert signup(peer=UNTRUSTED_PEER) == 200


def test_spoofed_forwarded_for_from_an_untrusted_peer_does_not_reset_the_limit():
    statuses = [find(peer=UNTRUSTED_PEER, forwarded_for=f"198.51.100.{i}") for i in range(11)]
    assert statuses == [200] * 10 + [302]


def test_forwarded_for_from_the_trusted_proxy_is_the_client_address():
    statuses = [find(peer=PROXY, forwarded_for=f"198.51.100.{i}") for i in range(11)]
    assert statuses == [200] * 11  # eleven clients behind the proxy, one request each


def test_audit_log_records_the_peer_not_a_spoofed_forwarded_for(self_serve):
    signup("spoofed", peer=UNTRUSTED_PEER, forwarded_for="198.51.100.1")
    assert AuditEvent.objects.get(organization_slug="spoofed").ip_address == UNTRUSTED_PEER


def test_audit_log_records_the_client_behind_the_trusted_proxy(self_serve):
    signup("proxied", peer=PROXY, forwarded_for="198.51.100.1")
    assert AuditEvent.objects.get(organization_slug="proxied").ip_address == "198.51.100.1"


def _failed_sign_in(**kwargs) -> int:
    data = {"login": "owner@acme.test", "password": "wrong password"}
    return post("/accounts/login/", data, host="acme.localhost", **kwargs)


def test_sign_in_limit_counts_the_peer_not_a_spoofed_forwarded_for(acme):
    # allauth's "10/m/ip" for failed sign-ins, keyed by the adapter's get_client_ip; the
    # per-address limit (5/5m/key) is avoided by ACCOUNT_RATE_LIMITS below.
    from django.test import override_settings

    with override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "10/m/ip"}):
        statuses = [
            _failed_sign_in(peer=UNTRUSTED_PEER, forwarded_for=f"198.51.100.{i}") for i in range(11)
        ]
    assert statuses == [200] * 10 + [423]


def test_sign_in_limit_counts_each_client_behind_the_trusted_proxy(acme):
    from django.test import override_settings

    with override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "10/m/ip"}):
        statuses = [_failed_sign_in(peer=PROXY, forwarded_for=f"198.51.100.{i}") for i in range(11)]
    assert statuses == [200] * 11
