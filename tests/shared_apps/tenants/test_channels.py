"""Group names carry the schema, and the senders reach one organization's sockets only
(through the real channels-redis layer)."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django_tenants.utils import schema_context

from shared_apps.tenants.runtime.groups import (
    NoOrganizationSelected,
    organization_group,
    send_to_organization,
    send_to_user,
    user_group,
)


def test_group_names_include_the_schema():
    assert organization_group("org_acme") == "org.org_acme"
    assert user_group("org_acme", 7) == "org.org_acme.user.7"
    assert user_group("org_acme", 7) != user_group("org_globex", 7)


@pytest.mark.parametrize("schema", ["public", "", "org.acme", "Org_Acme", "org acme", "a" * 64])
def test_no_group_outside_an_organization_schema(schema):
    with pytest.raises(NoOrganizationSelected):
        organization_group(schema)


@pytest.mark.parametrize("user_id", [0, -1, "7", None, True])
def test_user_group_needs_a_real_user_id(user_id):
    with pytest.raises(ValueError, match="positive integer"):
        user_group("org_acme", user_id)


class Listener:
    """A channel on the real layer, added to a group."""

    def __init__(self, group: str) -> None:
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(group, self.channel)
        self.group = group

    def next_message(self) -> dict:
        return async_to_sync(self.layer.receive)(self.channel)

    def close(self) -> None:
        async_to_sync(self.layer.group_discard)(self.group, self.channel)


@pytest.fixture
def listeners():
    made: list[Listener] = []

    def make(group: str) -> Listener:
        made.append(Listener(group))
        return made[-1]

    yield make
    for listener in made:
        listener.close()


def test_send_to_user_reaches_that_user_in_the_current_organization_only(acme, listeners):
    acme_user, globex_user = (
        listeners(user_group("org_acme", 1)),
        listeners(user_group("org_globex", 1)),
    )
    with schema_context("org_acme"):
        send_to_user(user_id=1, message={"type": "test.event", "n": 1})
    send_to_user(schema="org_globex", user_id=1, message={"type": "test.event", "n": 2})
    assert acme_user.next_message() == {"type": "test.event", "n": 1}
    # Had the first message reached Globex's user 1, it would be the first one there.
    assert globex_user.next_message() == {"type": "test.event", "n": 2}


def test_send_to_organization_reaches_that_organization_only(db, listeners):
    acme, globex = (
        listeners(organization_group("org_acme")),
        listeners(organization_group("org_globex")),
    )
    with schema_context("org_globex"):
        send_to_organization(message={"type": "test.event", "to": "globex"})
    send_to_organization(schema="org_acme", message={"type": "test.event", "to": "acme"})
    assert acme.next_message()["to"] == "acme"
    assert globex.next_message()["to"] == "globex"


def test_sending_from_the_public_schema_is_refused(db):
    with pytest.raises(NoOrganizationSelected):
        send_to_organization(message={"type": "test.event"})


def test_a_message_without_a_handler_type_is_refused(acme):
    with schema_context("org_acme"), pytest.raises(ValueError, match="'type'"):
        send_to_user(user_id=1, message={"text": "hi"})
