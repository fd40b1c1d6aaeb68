"""An announcement's push: every recipient's bell read once and rendered once per distinct
bell by the sender, each socket sending only its own member's, in its own organization."""

import time
from unittest import mock

import pytest
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shared_apps.tenants.runtime.groups import organization_group
from tenant_apps.accounts.roles import Role
from tenant_apps.accounts.services import member_create
from tenant_apps.notifications import bells
from tenant_apps.notifications.services import notify_organization
from tests.support.accounts import owner_email
from tests.tenant_apps.notifications.test_consumer import TIMEOUT, bell_of, run, socket

pytestmark = pytest.mark.django_db
MEMBERS = ["m1@acme.test", "m2@acme.test", "m3@acme.test"]


@pytest.fixture
def acme_members(acme, committed):
    """Three committed members of Acme besides the owner, with a session each."""
    for email in MEMBERS:
        committed(acme, lambda email=email: member_create(email=email, password=None))
        committed.cleanup(
            acme, lambda email=email: get_user_model().objects.filter(email=email).delete()
        )
    committed.remove_notifications_after_test(acme)
    return [committed.session_for(acme, email) for email in [owner_email("acme"), *MEMBERS]]


class Counts:
    """Wraps the sender's read and render and the consumer's own re-read, counting them."""

    def __init__(self) -> None:
        self.reads: list[int] = []  # queries per bell_states() call
        self.renders = 0
        self.socket_rereads = 0

    def patches(self):
        real_states, real_render = bells.bell_states, bells.render_to_string
        from tenant_apps.notifications import consumers

        real_reread = consumers.bell_state

        def states(**kwargs):
            with CaptureQueriesContext(connection) as queries:
                result = real_states(**kwargs)
            self.reads.append(len(queries))
            return result

        def render(*args, **kwargs):
            self.renders += 1
            return real_render(*args, **kwargs)

        def reread(**kwargs):
            self.socket_rereads += 1
            return real_reread(**kwargs)

        return (
            mock.patch.object(bells, "bell_states", states),
            mock.patch.object(bells, "render_to_string", render),
            mock.patch.object(consumers, "bell_state", reread),
        )


def connected(sockets):
    async def connect_all():
        for communicator in sockets:
            assert (await communicator.connect(timeout=TIMEOUT))[0]
        return [bell_of(await c.receive_from(timeout=TIMEOUT)) for c in sockets]

    return connect_all


def test_one_read_and_one_render_per_distinct_bell_reach_every_socket(
    acme, globex, committed, acme_members
):
    committed.notifications_for(acme, MEMBERS[0], "Earlier, unread")  # a bell of its own
    counts = Counts()
    sockets = [socket("acme.localhost", key) for key in acme_members]

    async def scenario():
        initial = await connected(sockets)()
        patches = counts.patches()
        with patches[0], patches[1], patches[2]:
            await committed_async(lambda: notify_organization(title="Office closed Friday"))
            pushed = [bell_of(await c.receive_from(timeout=TIMEOUT)) for c in sockets]
        for communicator in sockets:
            await communicator.disconnect()
        return initial, pushed

    def committed_async(function):
        from channels.db import database_sync_to_async

        return database_sync_to_async(committed, thread_sensitive=False)(acme, function)

    initial, pushed = run(scenario)
    assert initial == [(0, ""), (1, "Earlier, unread"), (0, ""), (0, "")]
    # Each member's own count: the member with an earlier unread one sees 2.
    assert (
        pushed
        == [(1, "Office closed Friday"), (2, "Office closed Friday")]
        + [(1, "Office closed Friday")] * 2
    )
    assert counts.reads == [1]  # one query for the four bells
    assert counts.renders == 2  # two distinct bells, whatever the number of sockets
    assert counts.socket_rereads == 0


def test_globex_sockets_get_nothing_from_acmes_announcement(acme, globex, committed, acme_members):
    globex_session = committed.session_for(globex, owner_email("globex"))
    committed.remove_notifications_after_test(globex)
    at_acme = socket("acme.localhost", acme_members[0])
    at_globex = socket("globex.localhost", globex_session)

    async def scenario():
        from channels.db import database_sync_to_async

        await connected([at_acme, at_globex])()
        await database_sync_to_async(committed, thread_sensitive=False)(
            acme, lambda: notify_organization(title="Acme only")
        )
        acme_live = bell_of(await at_acme.receive_from(timeout=TIMEOUT))
        globex_heard_nothing = await at_globex.receive_nothing(timeout=0.5)
        await at_acme.disconnect()
        await at_globex.disconnect()
        return acme_live, globex_heard_nothing

    acme_live, globex_heard_nothing = run(scenario)
    assert acme_live == (1, "Acme only")
    assert globex_heard_nothing


def test_members_outside_the_announcement_and_stale_pushes_change_no_bell(
    acme, committed, acme_members
):
    owner, member = (socket("acme.localhost", key) for key in acme_members[:2])
    layer = get_channel_layer()

    async def scenario():
        from channels.db import database_sync_to_async

        await connected([owner, member])()
        await database_sync_to_async(committed, thread_sensitive=False)(
            acme, lambda: notify_organization(title="Admins only", minimum_role=Role.ADMIN)
        )
        owner_live = bell_of(await owner.receive_from(timeout=TIMEOUT))
        member_heard_nothing = await member.receive_nothing(timeout=0.5)
        # Read before the sockets' own last read: an older picture, not sent.
        stale = {"type": bells.BELL_EVENT_TYPE, "as_of": time.time() - 3600,
                 "fragments": ["stale"], "bell_for": {}}  # fmt: skip
        stale["bell_for"] = {str(uid): 0 for uid in range(1, 100)}
        await layer.group_send(organization_group("org_acme"), stale)
        stale_ignored = await owner.receive_nothing(timeout=0.5)
        await owner.disconnect()
        await member.disconnect()
        return owner_live, member_heard_nothing, stale_ignored

    owner_live, member_heard_nothing, stale_ignored = run(scenario)
    assert owner_live == (1, "Admins only")
    assert member_heard_nothing
    assert stale_ignored
