"""Live provisioning progress over a staff-only WebSocket on the platform host."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from shared_apps.tenants.provisioning.progress import provisioning_report
from shared_apps.tenants.routing.websocket import CLOSE_FORBIDDEN, CLOSE_SIGN_IN_REQUIRED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("channels_keep_test_connection")]


def watch(host: str, organization_id: int, session: str | None, report_after_connect=None):
    async def run():
        headers = [(b"host", host.encode()), (b"origin", f"http://{host}".encode())]
        if session:
            headers.append((b"cookie", f"sessionid={session}".encode()))
        communicator = WebsocketCommunicator(
            application, f"/ws/platform/provisioning/{organization_id}/", headers=headers
        )
        try:
            accepted, code = await communicator.connect(timeout=10)
            if not accepted:
                return False, code
            messages = [await communicator.receive_json_from(timeout=10)]
            if report_after_connect:
                await database_sync_to_async(report_after_connect)()
                messages.append(await communicator.receive_json_from(timeout=10))
            return True, messages
        finally:
            await communicator.disconnect()

    return async_to_sync(run)()


def test_staff_see_the_current_state_then_each_step(staff_client, acme):
    session = staff_client.cookies["sessionid"].value

    def report():
        provisioning_report(acme.pk, step="Setting up the owner's account", status="provisioning")

    accepted, messages = watch("localhost", acme.pk, session, report_after_connect=report)
    assert accepted
    assert messages[0]["status"] == "active"  # committed state of acme, first
    assert messages[1] == {
        "step": "Setting up the owner's account", "status": "provisioning", "error": "",
    }  # fmt: skip


def test_anonymous_and_members_are_refused(acme, acme_owner_client):
    assert watch("localhost", acme.pk, None) == (False, CLOSE_SIGN_IN_REQUIRED)
    member_session = acme_owner_client.cookies["sessionid"].value
    # A member's session is for their organization's host; at the platform host it is
    # nobody, and at their own host the console socket doesn't serve.
    assert watch("localhost", acme.pk, member_session) == (False, CLOSE_SIGN_IN_REQUIRED)
    assert watch("acme.localhost", acme.pk, member_session) == (False, CLOSE_FORBIDDEN)
