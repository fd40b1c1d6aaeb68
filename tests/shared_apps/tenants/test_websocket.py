"""WebSocket routing through config.asgi: same host resolution as HTTP."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from config.asgi import application
from shared_apps.tenants.websocket import (
    CLOSE_BAD_HOST,
    CLOSE_ORGANIZATION_UNAVAILABLE,
    CLOSE_UNKNOWN_ORGANIZATION,
)

pytestmark = pytest.mark.django_db


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
            # The consumer's queries ran on channels' worker thread: release its connection.
            await database_sync_to_async(connections.close_all)()

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
    from shared_apps.tenants.resolver import resolve_hostname

    services.organization_suspend(organization=acme)
    # The socket resolves on another thread's connection, outside this test's transaction:
    # resolve here first so the shared routing cache holds the suspended state.
    assert resolve_hostname("acme.localhost").organization().status == "suspended"
    assert whoami("acme.localhost") == (False, CLOSE_ORGANIZATION_UNAVAILABLE)
