"""The same guarantees over Kafka (a real Kafka-protocol broker: Tansu)."""

import json

import pytest
from confluent_kafka import Consumer
from django.db import transaction

from tenant_apps.events import relay
from tenant_apps.events.consumers import AUDIT
from tenant_apps.events.models import AuditEntry, OutboxEvent
from tenant_apps.events.services import emit
from tenant_apps.events.transports import KafkaTransport
from tenant_apps.tracker.models import Project
from tenant_apps.tracker.services import project_create

# As the kafka_transport fixture's consumers: Tansu holds a group join that long.
FAST_GROUP_JOIN = {"session.timeout.ms": 6000, "max.poll.interval.ms": 7000}

pytestmark = pytest.mark.django_db


class RelayKilled(BaseException):
    pass


class DiesAfterPublishing(KafkaTransport):
    def publish(self, envelopes):
        super().publish(envelopes)
        raise RelayKilled


def read_topic(bootstrap, topic, expected):
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{topic}",
            "auto.offset.reset": "earliest",
            **FAST_GROUP_JOIN,
        }
    )
    consumer.subscribe([topic])
    messages = []
    for _ in range(40):
        messages += [m for m in consumer.consume(50, timeout=0.5) if not m.error()]
        if len(messages) >= expected:
            break
    consumer.close()
    return messages


def test_events_go_to_the_domain_topic_keyed_by_entity_with_the_organization_header(
    in_schema, acme, kafka_transport, kafka_bootstrap
):
    with in_schema(acme):
        project = Project.objects.create(name="Anvil")
        for step in range(5):
            with transaction.atomic():
                emit("tracker.project.created", entity=project, payload={"step": step})
        assert relay.relay_organization(transport=kafka_transport, batch_size=2) == 5
        assert OutboxEvent.objects.filter(sent_at=None).count() == 0

    messages = read_topic(kafka_bootstrap, kafka_transport.topic("tracker"), 5)
    assert [json.loads(m.value())["data"]["step"] for m in messages] == list(range(5))
    assert {m.key().decode() for m in messages} == {
        f"{acme.schema_name}/tracker.project/{project.pk}"
    }
    assert {dict(m.headers())["organization"].decode() for m in messages} == {acme.schema_name}


def test_a_relay_killed_between_publish_and_mark_sent_redelivers_and_audit_applies_once(
    in_schema, acme, kafka_transport, kafka_bootstrap, consume_until
):
    with in_schema(acme):
        project_create(name="Anvil")
        dying = DiesAfterPublishing(
            config=kafka_transport.config,
            topic_prefix=kafka_transport.topic_prefix,
            consumer_config=kafka_transport.consumer_config,
        )
        with pytest.raises(RelayKilled):
            relay.relay_organization(transport=dying)
        assert relay.relay_organization(transport=kafka_transport) == 1

    assert len(read_topic(kafka_bootstrap, kafka_transport.topic("tracker"), 2)) == 2
    assert consume_until(AUDIT, kafka_transport, expected=1) == 1
    with in_schema(acme):
        assert AuditEntry.objects.count() == 1


def test_acmes_events_reach_only_acmes_audit_log_over_kafka(
    in_schema, acme, globex, kafka_transport, consume_until
):
    with in_schema(acme):
        project_create(name="Acme secret")
        relay.relay_organization(transport=kafka_transport)
    with in_schema(globex):
        project_create(name="Globex plan")
        relay.relay_organization(transport=kafka_transport)

    assert consume_until(AUDIT, kafka_transport, expected=2) == 2

    with in_schema(acme):
        assert list(AuditEntry.objects.values_list("summary", flat=True)) == [
            "created project “Acme secret”"
        ]
    with in_schema(globex):
        assert list(AuditEntry.objects.values_list("summary", flat=True)) == [
            "created project “Globex plan”"
        ]


def test_a_kafka_message_whose_header_disagrees_with_its_payload_is_refused(
    in_schema, acme, globex, kafka_transport, consume_until
):
    with in_schema(acme):
        project_create(name="Acme secret")
        [envelope] = OutboxEvent.objects.values_list("payload", flat=True)
    kafka_transport.producer.produce(
        kafka_transport.topic("tracker"),
        value=json.dumps(envelope),
        headers=[("organization", globex.schema_name)],
    )
    kafka_transport.producer.flush(10)

    assert consume_until(AUDIT, kafka_transport, expected=1, seconds=6) == 0
    with in_schema(globex):
        assert AuditEntry.objects.count() == 0
