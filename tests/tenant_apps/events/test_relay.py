import json

import pytest
from django.db import transaction

from tenant_apps.events import relay
from tenant_apps.events.consumers import AUDIT, consume
from tenant_apps.events.models import AuditEntry, OutboxEvent, ProcessedEvent
from tenant_apps.events.services import emit
from tenant_apps.events.transports import RedisStreamsTransport
from tenant_apps.tracker.models import Project
from tenant_apps.tracker.services import project_create

pytestmark = pytest.mark.django_db


class RelayKilled(BaseException):
    """Stands for the relay process dying: after the broker took the batch, before the
    transaction that marks it sent commits (BaseException: nothing may catch it)."""


class DiesAfterPublishing(RedisStreamsTransport):
    def publish(self, envelopes):
        super().publish(envelopes)
        raise RelayKilled


def stream_types(transport, domain):
    return [
        json.loads(fields[b"payload"])
        for _id, fields in transport.client.xrange(transport.stream(domain))
    ]


def test_the_relay_publishes_unsent_events_once_and_marks_them_sent(
    in_schema, acme, redis_transport
):
    with in_schema(acme):
        project_create(name="Anvil")
        project_create(name="Rocket skates")

        assert relay.relay_organization(transport=redis_transport) == 2
        assert relay.relay_organization(transport=redis_transport) == 0
        assert OutboxEvent.objects.filter(sent_at=None).count() == 0

    published = stream_types(redis_transport, "tracker")
    assert [e["data"]["name"] for e in published] == ["Anvil", "Rocket skates"]
    assert {e["organization"]["slug"] for e in published} == {"acme"}


def test_events_of_one_entity_arrive_in_order_across_batches(in_schema, acme, redis_transport):
    with in_schema(acme):
        project = Project.objects.create(name="Anvil")
        for step in range(7):
            with transaction.atomic():
                emit("tracker.project.created", entity=project, payload={"step": step})

        relay.relay_organization(transport=redis_transport, batch_size=3)

    assert [e["data"]["step"] for e in stream_types(redis_transport, "tracker")] == list(range(7))


def test_a_relay_killed_between_publish_and_mark_sent_redelivers_and_audit_applies_once(
    in_schema, acme, redis_transport
):
    with in_schema(acme):
        project_create(name="Anvil")
        dying = DiesAfterPublishing(client=redis_transport.client, prefix=redis_transport.prefix)
        with pytest.raises(RelayKilled):
            relay.relay_organization(transport=dying)
        assert OutboxEvent.objects.filter(sent_at=None).count() == 1

        assert relay.relay_organization(transport=redis_transport) == 1

    assert len(stream_types(redis_transport, "tracker")) == 2  # delivered twice
    assert consume(AUDIT, redis_transport) == 1
    with in_schema(acme):
        entry = AuditEntry.objects.get()
        assert entry.event_type == "tracker.project.created"
        assert ProcessedEvent.objects.filter(consumer="audit").count() == 1


def test_a_commit_marks_only_its_organization_dirty_and_the_sweep_relays_it(
    in_schema, acme, globex, redis_transport, django_capture_on_commit_callbacks
):
    with in_schema(acme), django_capture_on_commit_callbacks(execute=True):
        project_create(name="Anvil")

    dirty = {m.decode() for m in redis_transport.client.smembers(relay.dirty_key())}
    assert dirty == {acme.schema_name}
    assert relay.relay_dirty(transport=redis_transport) == 1
    assert redis_transport.client.scard(relay.dirty_key()) == 0
    with in_schema(acme):
        assert OutboxEvent.objects.filter(sent_at=None).count() == 0
