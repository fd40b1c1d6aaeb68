"""WebSocket routing through config.asgi: same host resolution as HTTP."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from config.asgi import application as production_application
from shared_apps.tenants.routing.websocket import (
    CLOSE_BAD_HOST,
    CLOSE_CROSS_ORIGIN,
    CLOSE_ORGANIZATION_UNAVAILABLE,
    CLOSE_UNKNOWN_ORGANIZATION,
    CLOSE_UNKNOWN_PATH,
)
from tests.shared_apps.tenants.whoami import application

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("channels_keep_test_connection")]


def whoami(host: str, origin: str | None = "same") -> tuple[bool, object]:
    """(accepted, first message or close code) for the test-only /ws/whoami/ at `host`,
    opened from a page at `origin` (by default `host` itself; None sends no Origin)."""
    headers = [(b"host", host.encode())]
    if origin:
        headers.append((b"origin", (f"http://{host}" if origin == "same" else origin).encode()))

    async def run() -> tuple[bool, object]:
        communicator = WebsocketCommunicator(application, "/ws/whoami/", headers=headers)
        try:
            accepted, code = await communicator.connect(timeout=10)
            if not accepted:
                return False, code
            return True, await communicator.receive_json_from(timeout=10)
        finally:
            await communicator.disconnect()

    return async_to_sync(run)()


def test_socket_at_acme_is_bound_to_acmes_schema(acme):
    accepted, message = whoami("acme.localhost:8000")
    assert accepted
    assert message == {"organization": "acme", "schema": "org_acme", "user": None}


def test_socket_at_globex_is_bound_to_globexs_schema(globex):
    assert whoami("globex.localhost")[1]["schema"] == "org_globex"


def test_socket_at_the_public_host_is_in_public(db):
    assert whoami("localhost")[1] == {"organization": None, "schema": "public", "user": None}


def test_unknown_host_is_refused(db):
    assert whoami("nobody.localhost") == (False, CLOSE_UNKNOWN_ORGANIZATION)


def test_malformed_host_is_refused(db):
    assert whoami("acme..localhost") == (False, CLOSE_BAD_HOST)


def test_suspended_organization_is_refused(acme):
    from shared_apps.tenants.lifecycle import services as lifecycle

    lifecycle.organization_suspend(organization=acme)
    assert whoami("acme.localhost") == (False, CLOSE_ORGANIZATION_UNAVAILABLE)


def test_a_page_at_globex_cannot_open_a_socket_at_acme(acme, globex):
    assert whoami("acme.localhost", origin="http://globex.localhost") == (
        False,
        CLOSE_CROSS_ORIGIN,
    )


@pytest.mark.parametrize(
    "origin",
    [
        None,  # not a browser page
        "null",  # a sandboxed frame or a file
        "http://acme.localhost.evil.test",
        "http://localhost",  # the platform host is another origin too
        "http://acme.localhost:8001",  # another port of the same name
        "ftp://acme.localhost:8000",
    ],
)
def test_a_socket_needs_an_origin_that_is_its_own_host(acme, origin):
    assert whoami("acme.localhost:8000", origin=origin) == (False, CLOSE_CROSS_ORIGIN)


def test_the_same_host_with_its_default_port_is_the_same_origin(acme):
    assert whoami("acme.localhost", origin="http://acme.localhost:80")[0]
    assert whoami("acme.localhost:443", origin="https://acme.localhost")[0]


def test_a_custom_domain_accepts_only_its_own_origin(acme):
    from shared_apps.tenants.audit import Actor
    from shared_apps.tenants.lifecycle.domains import domain_add, domain_verify

    actor = Actor(label="ops@platform.test")
    domain_verify(
        domain=domain_add(organization=acme, domain="work.acme-corp.test", actor=actor), actor=actor
    )
    assert whoami("work.acme-corp.test")[1]["schema"] == "org_acme"
    assert whoami("work.acme-corp.test", origin="http://acme.localhost") == (
        False,
        CLOSE_CROSS_ORIGIN,
    )


def test_the_diagnostic_socket_is_not_in_production_routing(acme):
    async def run():
        communicator = WebsocketCommunicator(
            production_application,
            "/ws/whoami/",
            headers=[(b"host", b"acme.localhost"), (b"origin", b"http://acme.localhost")],
        )
        try:
            return await communicator.connect(timeout=10)
        finally:
            await communicator.disconnect()

    assert async_to_sync(run)() == (False, CLOSE_UNKNOWN_PATH)


@pytest.mark.parametrize("path", ["/ws/nothing-here/", "/", "/ws/notifications/extra/"])
def test_a_handshake_to_an_unknown_path_is_refused_cleanly(acme, path):
    async def run():
        communicator = WebsocketCommunicator(
            production_application,
            path,
            headers=[(b"host", b"acme.localhost"), (b"origin", b"http://acme.localhost")],
        )
        try:
            return await communicator.connect(timeout=10)
        finally:
            await communicator.disconnect()

    assert async_to_sync(run)() == (False, CLOSE_UNKNOWN_PATH)
