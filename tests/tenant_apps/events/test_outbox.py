import uuid

import pytest
from django.db import transaction

from tenant_apps.events.models import OutboxEvent
from tenant_apps.events.registry import UnknownEventType
from tenant_apps.events.services import EmitOutsideTransaction, emit
from tenant_apps.tracker.models import Project
from tenant_apps.tracker.services import project_create

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_a_change_and_its_event_commit_together(in_schema, acme):
    with in_schema(acme):
        project = project_create(name="Rocket skates")

        event = OutboxEvent.objects.get()
        assert event.event_type == "tracker.project.created"
        assert event.entity_id == str(project.pk)
        assert event.sent_at is None


def test_a_change_and_its_event_roll_back_together(in_schema, acme):
    with in_schema(acme):
        with pytest.raises(Boom), transaction.atomic():
            project_create(name="Rocket skates")
            raise Boom

        assert Project.objects.count() == 0
        assert OutboxEvent.objects.count() == 0


def test_the_payload_names_its_type_version_organization_and_actor(in_schema, acme, member_of):
    user, _client = member_of(acme, "admin")
    with in_schema(acme), transaction.atomic():
        project = Project.objects.create(name="Anvil")
        event = emit("tracker.project.created", entity=project, actor=user)

    payload = event.payload
    assert uuid.UUID(payload["id"]) == event.event_id
    assert payload["type"] == "tracker.project.created"
    assert payload["schema_version"] == 1
    assert payload["occurred_at"]
    assert payload["organization"] == {"schema": acme.schema_name, "slug": "acme"}
    assert payload["actor"]["id"] == str(user.pk)
    assert payload["actor"]["email"] == user.email
    assert payload["entity"]["type"] == "tracker.project"
    assert payload["data"] == {"name": "Anvil"}


def test_an_unknown_event_type_is_refused_and_nothing_is_written(in_schema, acme):
    with in_schema(acme):
        with pytest.raises(UnknownEventType), transaction.atomic():
            emit("tracker.project.exploded", entity=Project.objects.create(name="x"))
        assert OutboxEvent.objects.count() == 0


def test_emit_outside_a_transaction_is_refused(in_schema, acme):
    # The test's own transaction would hide autocommit: step out of it on purpose.
    with in_schema(acme):
        project = Project(pk=1, name="x")
        atomic = transaction.get_connection().in_atomic_block
        transaction.get_connection().in_atomic_block = False
        try:
            with pytest.raises(EmitOutsideTransaction):
                emit("tracker.project.created", entity=project)
        finally:
            transaction.get_connection().in_atomic_block = atomic


def test_events_from_the_web_carry_the_signed_in_member_and_address(
    acme_owner_client, in_schema, acme
):
    response = acme_owner_client.post("/", {"name": "Rocket skates"}, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302

    with in_schema(acme):
        actor = OutboxEvent.objects.get().payload["actor"]
    assert actor["email"] == "owner@acme.test"
    assert actor["ip"] == "203.0.113.7"
