"""The task page's socket: a comment reaches everyone viewing that task, at that
organization only; the socket refuses visitors, other organizations and unknown tasks."""

from collections.abc import Iterator

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django_tenants.utils import schema_context

from config.asgi import application
from shared_apps.tenants.routing.websocket import CLOSE_SIGN_IN_REQUIRED
from shared_apps.tenants.runtime.groups import organization_group, user_group
from tenant_apps.tracker import services
from tenant_apps.tracker.services import task_group
from tests.support.tracker import make_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("channels_keep_test_connection")]
TIMEOUT = 10


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> Iterator[None]:
    """channels-redis binds its receive lock to the first loop that receives: one per test."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def socket(host: str, task_id: int, client=None) -> WebsocketCommunicator:
    headers = [(b"host", host.encode()), (b"origin", f"http://{host}".encode())]
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return WebsocketCommunicator(application, f"/ws/tracker/tasks/{task_id}/", headers=headers)


@pytest.fixture
def acme_task(acme, owner_of):
    owner = owner_of(acme)[0]
    with schema_context(acme.schema_name):
        return make_task(owner, title="Acme secret task")


def test_a_comment_appears_live_for_everyone_viewing_the_task(
    acme, acme_task, member_of, django_capture_on_commit_callbacks
):
    alice, alice_client = member_of(acme, "member", email="alice@acme.test")
    _, bob_client = member_of(acme, "member", email="bob@acme.test")
    with schema_context(acme.schema_name):
        other_task = make_task(alice, acme_task.project, title="Another task")

    def post_comment() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = alice_client.post(
                f"/tasks/{acme_task.pk}/comments/", {"body": "Rockets <b>ready</b>"},
                HTTP_HX_REQUEST="true",
            )  # fmt: skip
        assert response.status_code == 200

    async def scenario() -> tuple[str, str, bool]:
        alice_socket = socket("acme.localhost", acme_task.pk, alice_client)
        bob_socket = socket("acme.localhost", acme_task.pk, bob_client)
        elsewhere = socket("acme.localhost", other_task.pk, bob_client)
        try:
            for communicator in (alice_socket, bob_socket, elsewhere):
                assert (await communicator.connect(timeout=TIMEOUT))[0]
            await database_sync_to_async(post_comment)()
            to_alice = await alice_socket.receive_from(timeout=TIMEOUT)
            to_bob = await bob_socket.receive_from(timeout=TIMEOUT)
            return to_alice, to_bob, await elsewhere.receive_nothing(timeout=0.5)
        finally:
            for communicator in (alice_socket, bob_socket, elsewhere):
                await communicator.disconnect()

    to_alice, to_bob, elsewhere_quiet = async_to_sync(scenario)()
    assert to_alice == to_bob
    assert 'id="comments" hx-swap-oob="beforeend"' in to_bob
    assert "Rockets &lt;b&gt;ready&lt;/b&gt;" in to_bob and "alice@acme.test" in to_bob
    assert elsewhere_quiet


def test_what_is_sent_to_the_task_the_moment_its_socket_opens_reaches_it(
    acme, acme_task, member_of
):
    """The socket is in the task's group (and its organization's and user's) before the
    handshake answers: a page may post as soon as it sees the socket open. When the joins
    came after accept(), this send usually beat them and was lost (and the live-comment
    test above lost its comment whenever the HTTP request was quicker than the joins)."""
    member, client = member_of(acme)
    sent = {"type": "comment.posted", "html": "<p>first</p>"}

    async def scenario() -> list[str]:
        communicator = socket("acme.localhost", acme_task.pk, client)
        layer = get_channel_layer()
        try:
            assert (await communicator.connect(timeout=TIMEOUT))[0]
            await layer.group_send(task_group(acme.schema_name, acme_task.pk), sent)
            await layer.group_send(organization_group(acme.schema_name), sent)
            await layer.group_send(user_group(acme.schema_name, member.pk), sent)
            return [await communicator.receive_from(timeout=TIMEOUT) for _ in range(3)]
        finally:
            await communicator.disconnect()

    assert async_to_sync(scenario)() == ["<p>first</p>"] * 3


def test_the_socket_refuses_visitors_unknown_tasks_and_other_organizations(
    acme, globex, acme_task, owner_of, member_of
):
    _, acme_client = member_of(acme)
    _, globex_client = owner_of(globex)

    async def code(host, task_id, client) -> int | None:
        communicator = socket(host, task_id, client)
        try:
            accepted, close_code = await communicator.connect(timeout=TIMEOUT)
            return None if accepted else close_code
        finally:
            await communicator.disconnect()

    def close_code(*args) -> int | None:
        return async_to_sync(code)(*args)

    assert close_code("acme.localhost", acme_task.pk, None) == CLOSE_SIGN_IN_REQUIRED
    assert close_code("acme.localhost", 999_999, acme_client) == CLOSE_SIGN_IN_REQUIRED
    # Globex's owner, at Globex, for Acme's task id: nothing of that id exists there.
    assert close_code("globex.localhost", acme_task.pk, globex_client) == CLOSE_SIGN_IN_REQUIRED
    # Acme's session at Globex's host is nobody there.
    assert close_code("globex.localhost", acme_task.pk, acme_client) == CLOSE_SIGN_IN_REQUIRED
    with schema_context(acme.schema_name):
        services.task_delete(task=acme_task, actor=owner_of(acme)[0])
    assert close_code("acme.localhost", acme_task.pk, acme_client) == CLOSE_SIGN_IN_REQUIRED


def test_a_push_to_the_same_task_id_at_globex_never_reaches_acmes_socket(
    acme, globex, acme_task, member_of
):
    _, acme_client = member_of(acme)
    layer_message = {"type": "comment.posted", "html": "<p>Globex secret</p>"}

    async def scenario() -> tuple[bool, str]:
        communicator = socket("acme.localhost", acme_task.pk, acme_client)
        layer = get_channel_layer()
        try:
            assert (await communicator.connect(timeout=TIMEOUT))[0]
            # Asking to join Globex's group is ignored: the socket only listens.
            await communicator.send_json_to({"join": task_group(globex.schema_name, acme_task.pk)})
            await layer.group_send(task_group(globex.schema_name, acme_task.pk), layer_message)
            quiet = await communicator.receive_nothing(timeout=0.5)
            await layer.group_send(task_group(acme.schema_name, acme_task.pk), layer_message)
            return quiet, await communicator.receive_from(timeout=TIMEOUT)
        finally:
            await communicator.disconnect()

    quiet, received = async_to_sync(scenario)()
    assert quiet and received == "<p>Globex secret</p>"
    assert task_group(acme.schema_name, 7) != task_group(globex.schema_name, 7)
