"""Acme's events never reach Globex's endpoints or delivery records, on both transports."""

import json

import pytest

from tenant_apps.events import relay
from tenant_apps.events.consumers import CONSUMERS, consume
from tenant_apps.tracker.services import project_create
from tenant_apps.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

WEBHOOKS = CONSUMERS["webhooks"]


def two_organizations_emit(in_schema, acme, globex, receiver, endpoint_for, transport):
    with in_schema(acme):
        endpoint_for(receiver.url("/acme"))
        project_create(name="Acme secret")
        relay.relay_organization(transport=transport)
    with in_schema(globex):
        endpoint_for(receiver.url("/globex"))
        project_create(name="Globex plan")
        relay.relay_organization(transport=transport)


def assert_each_got_only_its_own(in_schema, acme, globex, receiver):
    received = {r["path"]: json.loads(r["body"])["data"]["name"] for r in receiver.requests}
    assert received == {"/acme": "Acme secret", "/globex": "Globex plan"}
    with in_schema(acme):
        assert [d.payload["data"]["name"] for d in WebhookDelivery.objects.all()] == ["Acme secret"]
    with in_schema(globex):
        assert [d.payload["data"]["name"] for d in WebhookDelivery.objects.all()] == ["Globex plan"]


def test_acmes_events_reach_only_acmes_endpoints_over_redis_streams(
    in_schema, acme, globex, receiver, endpoint_for, redis_transport, run_queued
):
    two_organizations_emit(in_schema, acme, globex, receiver, endpoint_for, redis_transport)
    with run_queued():
        assert consume(WEBHOOKS, redis_transport) == 2
    assert_each_got_only_its_own(in_schema, acme, globex, receiver)


def test_acmes_events_reach_only_acmes_endpoints_over_kafka(
    in_schema, acme, globex, receiver, endpoint_for, kafka_transport, consume_until, run_queued
):
    two_organizations_emit(in_schema, acme, globex, receiver, endpoint_for, kafka_transport)
    with run_queued():
        assert consume_until(WEBHOOKS, kafka_transport, expected=2) == 2
    assert_each_got_only_its_own(in_schema, acme, globex, receiver)


def test_a_message_relabelled_for_globex_reaches_no_endpoint(
    in_schema, acme, globex, receiver, endpoint_for, redis_transport, run_queued
):
    with in_schema(acme):
        project_create(name="Acme secret")
        relay.relay_organization(transport=redis_transport)
    with in_schema(globex):
        endpoint_for(receiver.url("/globex"))
    stream = redis_transport.stream("tracker")
    [(_id, fields)] = redis_transport.client.xrange(stream)
    redis_transport.client.xdel(stream, _id)
    redis_transport.client.xadd(
        stream,
        {"id": fields[b"id"], "organization": globex.schema_name, "payload": fields[b"payload"]},
    )
    with run_queued():
        assert consume(WEBHOOKS, redis_transport) == 0
    assert receiver.requests == []
    with in_schema(globex):
        assert WebhookDelivery.objects.count() == 0


def test_an_event_is_delivered_once_however_often_the_consumer_sees_it(
    in_schema, acme, receiver, endpoint_for, redis_transport, run_queued
):
    with in_schema(acme):
        endpoint_for(receiver.url())
        project_create(name="Anvil")
        relay.relay_organization(transport=redis_transport)
    stream = redis_transport.stream("tracker")
    [(_id, fields)] = redis_transport.client.xrange(stream)
    redis_transport.client.xadd(stream, dict(fields))  # as after a relay crash
    with run_queued():
        assert consume(WEBHOOKS, redis_transport) == 1
    assert len(receiver.requests) == 1


def test_a_delivery_task_runs_in_the_organization_that_queued_it(
    in_schema, acme, globex, receiver, endpoint_for
):
    """Delivery ids are per schema: the task reads its delivery in the organization whose
    schema it runs in (the task base's), so Globex's task can never send Acme's delivery."""
    from tenant_apps.webhooks.tasks import deliver

    with in_schema(acme):
        endpoint, _ = endpoint_for(receiver.url())
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event_id="00000000-0000-0000-0000-000000000002",
            event_type="tracker.project.created", payload={"id": "x"},
        )  # fmt: skip
    with in_schema(globex):
        assert deliver.apply(args=[delivery.pk]).get() == "skipped"
    assert receiver.requests == []
    with in_schema(acme):
        assert deliver.apply(args=[delivery.pk]).get() == "delivered"
    assert len(receiver.requests) == 1
