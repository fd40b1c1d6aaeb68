"""WebSocket routing through config.asgi: same host resolution as HTTP."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from config.asgi import application
from shared_apps.tenants.websocket import (
    CLOSE_BAD_HOST,
    CLOSE_ORGANIZATION_UNAVAILABLE,
    CLOSE_UNKNOWN_ORGANIZATION,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("channels_keep_test_connection")]


def whoami(host: str) -> tuple[bool, object]:
    """(accepted, first message or close code) for /ws/whoami/ at `host`."""

    async def run() -> tuple[bool, object]:
        communicator = WebsocketCommunicator(
            application, "/ws/whoami/", headers=[(b"host", host.encode())]
        )
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
    from shared_apps.tenants import services

    services.organization_suspend(organization=acme)
    assert whoami("acme.localhost") == (False, CLOSE_ORGANIZATION_UNAVAILABLE)
