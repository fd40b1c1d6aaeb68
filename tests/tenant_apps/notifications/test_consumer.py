"""The bell's socket through config.asgi with the channels-redis layer: who may connect,
which groups it joins, and that each socket reads its own organization's schema."""

import asyncio
import faulthandler
import re
import tempfile
import threading

import pytest
from asgiref.sync import ThreadSensitiveContext
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connections

from config.asgi import application
from shared_apps.tenants.routing.websocket import (
    CLOSE_GROUP_NOT_ALLOWED,
    CLOSE_SIGN_IN_REQUIRED,
    CLOSE_UNKNOWN_ORGANIZATION,
)
from shared_apps.tenants.runtime.groups import organization_group, user_group
from tenant_apps.notifications.services import CHANGED_EVENT
from tests.support.accounts import owner_email

pytestmark = pytest.mark.django_db
TIMEOUT = 10


def bell_of(html: str) -> tuple[int, str]:
    """(unread count, latest title) from the pushed bell fragment."""
    assert 'id="notification-bell-badge" hx-swap-oob="true"' in html
    assert 'id="notification-bell-list" hx-swap-oob="true"' in html
    unread = re.search(r'data-unread="(\d+)"', html)
    latest = re.search(r"<span data-title[^>]*>([^<]*)</span>", html)
    return (int(unread.group(1)) if unread else 0), (latest.group(1) if latest else "")


def socket(host: str, session_key: str | None = None) -> WebsocketCommunicator:
    headers = [(b"host", host.encode()), (b"origin", f"http://{host}".encode())]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return WebsocketCommunicator(application, "/ws/notifications/", headers=headers)


async def release_worker_connection() -> None:
    # The consumer's queries ran on Channels' worker thread: close its connection.
    await database_sync_to_async(connections.close_all)()


def run(coroutine_function) -> object:
    """Run the scenario's event loop in a thread of its own. Called from the test's thread
    (async_to_sync), the consumer's database work would come back to the test's
    connection, inside its transaction; from here it goes to Channels' worker thread and
    its own connection, as in a server, and sees committed rows only.

    Each scenario gets its own thread-sensitive executor (as Django's ASGI handler gives
    each request), so nothing left running by an earlier scenario can queue ahead of it;
    if one still hangs, the failure shows every thread's stack."""

    async def wrapped() -> object:
        async with ThreadSensitiveContext():
            try:
                return await coroutine_function()
            finally:
                await release_worker_connection()

    outcome: dict[str, object] = {}

    def target() -> None:
        loop = asyncio.new_event_loop()
        try:
            outcome["value"] = loop.run_until_complete(wrapped())
        except BaseException as error:
            outcome["error"] = error
        finally:
            # A consumer refused at the handshake is still waiting on the channel layer;
            # cancel what is left and give it a bounded time (asyncio.run waits forever).
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.wait(pending, timeout=TIMEOUT))
            loop.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=120)
    if thread.is_alive():
        with tempfile.TemporaryFile("w+") as stacks:
            faulthandler.dump_traceback(file=stacks, all_threads=True)
            stacks.seek(0)
            pytest.fail("the scenario did not finish; threads:\n" + stacks.read())
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_unknown_host_is_refused(db):
    async def scenario():
        accepted, code = await socket("nobody.localhost").connect(timeout=TIMEOUT)
        return accepted, code

    assert run(scenario) == (False, CLOSE_UNKNOWN_ORGANIZATION)


def test_the_platform_host_has_no_bell(db):
    async def scenario():
        return await socket("localhost").connect(timeout=TIMEOUT)

    assert run(scenario) == (False, CLOSE_UNKNOWN_ORGANIZATION)


def test_anonymous_visitor_is_refused(acme):
    async def scenario():
        return await socket("acme.localhost").connect(timeout=TIMEOUT)

    assert run(scenario) == (False, CLOSE_SIGN_IN_REQUIRED)


def test_session_from_acme_is_refused_at_globex(acme, globex, committed):
    acme_session = committed.session_for(acme, owner_email("acme"))

    async def scenario():
        at_globex = await socket("globex.localhost", acme_session).connect(timeout=TIMEOUT)
        home = socket("acme.localhost", acme_session)
        at_acme = await home.connect(timeout=TIMEOUT)
        await home.disconnect()
        return at_globex, at_acme

    at_globex, at_acme = run(scenario)
    assert at_globex == (False, CLOSE_SIGN_IN_REQUIRED)
    assert at_acme == (True, None)  # the same session is fine where it was made


def test_member_gets_the_bell_on_connect(acme, committed):
    committed.notifications_for(acme, owner_email("acme"), "Report ready", "Invoice paid")
    session = committed.session_for(acme, owner_email("acme"))

    async def scenario():
        communicator = socket("acme.localhost", session)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        html = await communicator.receive_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return html

    assert bell_of(run(scenario)) == (2, "Invoice paid")


def test_interleaved_reads_of_two_organizations_each_see_their_own(acme, globex, committed):
    committed.notifications_for(acme, owner_email("acme"), "acme one", "acme two")
    committed.notifications_for(globex, owner_email("globex"), "globex 1", "globex 2", "globex 3")
    acme_session = committed.session_for(acme, owner_email("acme"))
    globex_session = committed.session_for(globex, owner_email("globex"))
    layer = get_channel_layer()

    async def scenario():
        at_acme, at_globex = (
            socket("acme.localhost", acme_session),
            socket("globex.localhost", globex_session),
        )
        assert (await at_acme.connect(timeout=TIMEOUT))[0]
        assert (await at_globex.connect(timeout=TIMEOUT))[0]
        seen = [await at_acme.receive_from(timeout=TIMEOUT)]
        seen.append(await at_globex.receive_from(timeout=TIMEOUT))
        for _round in range(10):
            # Both sockets re-read at once; their reads alternate on the worker thread.
            await layer.group_send(organization_group("org_acme"), CHANGED_EVENT)
            await layer.group_send(organization_group("org_globex"), CHANGED_EVENT)
            seen.append(await at_acme.receive_from(timeout=TIMEOUT))
            seen.append(await at_globex.receive_from(timeout=TIMEOUT))
        await at_acme.disconnect()
        await at_globex.disconnect()
        return seen

    seen = [bell_of(html) for html in run(scenario)]
    assert seen[0::2] == [(2, "acme two")] * 11
    assert seen[1::2] == [(3, "globex 3")] * 11


def test_notification_from_a_task_reaches_that_member_only(acme, globex, committed):
    """The same user id exists at both organizations: only Acme's member hears Acme."""
    from django.contrib.auth import get_user_model

    from tenant_apps.notifications.tasks import notify_user_task

    committed.remove_notifications_after_test(acme)
    committed.remove_notifications_after_test(globex)
    acme_session = committed.session_for(acme, owner_email("acme"))
    globex_session = committed.session_for(globex, owner_email("globex"))
    acme_owner_id = committed(
        acme, lambda: get_user_model().objects.get(email=owner_email("acme")).pk
    )
    globex_owner_id = committed(
        globex, lambda: get_user_model().objects.get(email=owner_email("globex")).pk
    )
    assert acme_owner_id == globex_owner_id  # the case that makes schema-less names leak

    def run_task(schema_org, title):
        # What a Celery worker does with a task queued at that organization.
        return committed(
            schema_org,
            lambda: notify_user_task.apply(
                kwargs={"recipient_id": acme_owner_id, "title": title}
            ).get(),
        )

    async def scenario():
        at_acme, at_globex = (
            socket("acme.localhost", acme_session),
            socket("globex.localhost", globex_session),
        )
        assert (await at_acme.connect(timeout=TIMEOUT))[0]
        assert (await at_globex.connect(timeout=TIMEOUT))[0]
        initial = (
            await at_acme.receive_from(timeout=TIMEOUT),
            await at_globex.receive_from(timeout=TIMEOUT),
        )
        await database_sync_to_async(run_task, thread_sensitive=False)(acme, "Acme build passed")
        acme_live = await at_acme.receive_from(timeout=TIMEOUT)
        # Had Acme's push reached Globex's socket, it would come before this one.
        await database_sync_to_async(run_task, thread_sensitive=False)(globex, "Globex invoice")
        globex_live = await at_globex.receive_from(timeout=TIMEOUT)
        extra = await at_acme.receive_nothing(timeout=0.2)
        await at_acme.disconnect()
        await at_globex.disconnect()
        return initial, acme_live, globex_live, extra

    initial, acme_live, globex_live, acme_heard_nothing_more = run(scenario)
    assert [bell_of(html) for html in initial] == [(0, ""), (0, "")]
    assert bell_of(acme_live) == (1, "Acme build passed")
    assert bell_of(globex_live) == (1, "Globex invoice")
    assert acme_heard_nothing_more


def test_joining_another_organizations_group_closes_the_socket(acme, committed):
    session = committed.session_for(acme, owner_email("acme"))
    layer = get_channel_layer()

    async def scenario():
        communicator = socket("acme.localhost", session)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await communicator.receive_from(timeout=TIMEOUT)  # the bell
        await communicator.send_json_to({"join": organization_group("org_acme")})  # its own
        await communicator.send_json_to({"join": organization_group("org_globex")})
        closed = await communicator.receive_output(timeout=TIMEOUT)
        await layer.group_send(organization_group("org_globex"), CHANGED_EVENT)
        heard_nothing = await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        return closed, heard_nothing

    closed, heard_nothing = run(scenario)
    assert closed == {"type": "websocket.close", "code": CLOSE_GROUP_NOT_ALLOWED}
    assert heard_nothing  # it never joined Globex's group


def test_joining_another_members_group_closes_the_socket(acme, committed):
    session = committed.session_for(acme, owner_email("acme"))

    async def scenario():
        communicator = socket("acme.localhost", session)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await communicator.receive_from(timeout=TIMEOUT)
        await communicator.send_json_to({"join": user_group("org_acme", 999_999)})
        closed = await communicator.receive_output(timeout=TIMEOUT)
        await communicator.disconnect()
        return closed

    assert run(scenario) == {"type": "websocket.close", "code": CLOSE_GROUP_NOT_ALLOWED}


def test_a_deactivated_members_open_socket_is_closed(acme, committed):
    from django.contrib.auth import get_user_model

    session = committed.session_for(acme, owner_email("acme"))
    owner_id = committed(acme, lambda: get_user_model().objects.get(email=owner_email("acme")).pk)
    layer = get_channel_layer()

    async def scenario():
        communicator = socket("acme.localhost", session)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await communicator.receive_from(timeout=TIMEOUT)  # the bell
        # What member_deactivate sends after its commit (see the service test below).
        await layer.group_send(user_group("org_acme", owner_id), {"type": "member.signed_out"})
        closed = await communicator.receive_output(timeout=TIMEOUT)
        await communicator.disconnect()
        return closed

    assert run(scenario) == {"type": "websocket.close", "code": CLOSE_SIGN_IN_REQUIRED}


@pytest.mark.django_db
def test_member_deactivate_signs_the_member_out_of_their_sockets(
    acme, member_of, django_capture_on_commit_callbacks
):
    from asgiref.sync import async_to_sync
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.services import member_deactivate

    member, _client = member_of(acme, "member")
    owner, _ = member_of(acme, "owner", email="second-owner@acme.test")
    layer = get_channel_layer()
    listener = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group("org_acme", member.pk), listener)
    try:
        with schema_context("org_acme"), django_capture_on_commit_callbacks(execute=True):
            member_deactivate(member=member, deactivated_by=owner)
        received = async_to_sync(layer.receive)(listener)
    finally:
        async_to_sync(layer.group_discard)(user_group("org_acme", member.pk), listener)
    assert received == {"type": "member.signed_out"}
