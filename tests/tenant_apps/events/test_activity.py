"""The activity feed: tracker events become entries of the right project in the right
organization, pushed to that project's group only, and rendered by the page fragment."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from django.template import Context, Template

from tenant_apps.events import relay
from tenant_apps.events.activity import ADDED_EVENT, project_group, recent_activity
from tenant_apps.events.consumers import ACTIVITY, consume
from tenant_apps.events.models import ActivityEntry
from tests.support.tracker import make_project, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    channel_layers.backends.clear()  # channels-redis binds to the loop that first used it
    yield
    channel_layers.backends.clear()


def listen(group: str) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return channel


def received(channel: str) -> list[dict]:
    async def drain() -> list[dict]:
        import asyncio

        layer, messages = get_channel_layer(), []
        while True:
            try:
                messages.append(await asyncio.wait_for(layer.receive(channel), timeout=0.5))
            except TimeoutError:
                return messages

    return async_to_sync(drain)()


def test_tracker_changes_reach_their_projects_feed_and_push_to_it_only(
    acme, globex, in_schema, owner_of, redis_transport, django_capture_on_commit_callbacks
):
    acme_owner, _ = owner_of(acme)
    globex_owner, _ = owner_of(globex)
    with in_schema(acme):
        roadmap = make_project(acme_owner, "Acme roadmap")
        make_task(acme_owner, roadmap, title="Acme secret task")
        other = make_project(acme_owner, "Elsewhere")
        relay.relay_organization(transport=redis_transport)
    with in_schema(globex):
        globex_project = make_project(globex_owner, "Globex plan")
        relay.relay_organization(transport=redis_transport)

    acme_channel = listen(project_group(acme.schema_name, roadmap.pk))
    # The same id in Globex's schema: the group name keeps them apart.
    globex_channel = listen(project_group(globex.schema_name, roadmap.pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert consume(ACTIVITY, redis_transport) == 4

    with in_schema(acme):
        assert [e.summary for e in recent_activity(project_id=roadmap.pk)] == [
            "created task “Acme secret task”",
            "created project “Acme roadmap”",
        ]
        assert len(recent_activity(project_id=other.pk)) == 1
    with in_schema(globex):
        assert [e.summary for e in ActivityEntry.objects.all()] == ["created project “Globex plan”"]
        assert ActivityEntry.objects.get().project_id == globex_project.pk
    assert [m["type"] for m in received(acme_channel)] == [ADDED_EVENT, ADDED_EVENT]
    globex_pushes = received(globex_channel)
    # Globex's own project may share the id; Acme's two changes never arrive there.
    assert len(globex_pushes) == (1 if globex_project.pk == roadmap.pk else 0)


def test_the_project_page_fragment_lists_the_feed_and_opens_its_socket(
    acme, in_schema, owner_of, redis_transport
):
    owner, _ = owner_of(acme)
    with in_schema(acme):
        project = make_project(owner, "Anvil")
        relay.relay_organization(transport=redis_transport)
    consume(ACTIVITY, redis_transport)
    with in_schema(acme):
        html = Template("{% load activity %}{% activity_feed project %}").render(
            Context({"project": project})
        )
    assert f'ws-connect="/ws/projects/{project.pk}/activity/"' in html
    assert "created project “Anvil”" in html


def test_the_project_page_shows_its_feed_and_never_another_organizations(
    acme, globex, in_schema, owner_of, redis_transport
):
    acme_owner, acme_client = owner_of(acme)
    globex_owner, _ = owner_of(globex)
    with in_schema(acme):
        roadmap = make_project(acme_owner, "Acme roadmap")
        make_task(acme_owner, roadmap, title="Acme launch")
        relay.relay_organization(transport=redis_transport)
    with in_schema(globex):
        make_task(globex_owner, make_project(globex_owner, "Globex plan"), title="Globex secret")
        relay.relay_organization(transport=redis_transport)
    consume(ACTIVITY, redis_transport)
    with in_schema(globex):
        # Globex's entries under the very project id Acme's page shows: only the schema
        # keeps them apart.
        assert ActivityEntry.objects.update(project_id=roadmap.pk) == 2

    body = acme_client.get(f"/projects/{roadmap.pk}/").content.decode()
    assert f'ws-connect="/ws/projects/{roadmap.pk}/activity/"' in body
    assert "created task “Acme launch”" in body and "created project “Acme roadmap”" in body
    assert "Globex" not in body


def test_a_project_without_activity_says_so(acme, in_schema, owner_of):
    owner, client = owner_of(acme)
    with in_schema(acme):
        project = make_project(owner, "Quiet")
    body = client.get(f"/projects/{project.pk}/").content.decode()
    assert "No activity yet" in body
