import json

import pytest

from tenant_apps.events import relay
from tenant_apps.events.models import OutboxEvent
from tenant_apps.events.tasks import relay_dirty, relay_organization
from tenant_apps.tracker.services import project_create

pytestmark = pytest.mark.django_db


def published_slugs(transport):
    entries = transport.client.xrange(transport.stream("tracker"))
    return [json.loads(fields[b"payload"])["organization"]["slug"] for _id, fields in entries]


def test_the_relay_task_publishes_only_the_organization_that_queued_it(
    in_schema, acme, globex, redis_transport
):
    with in_schema(globex):
        project_create(name="Globex plan")
    with in_schema(acme):
        project_create(name="Acme secret")
        assert relay_organization.apply().get() == 1

    assert published_slugs(redis_transport) == ["acme"]
    with in_schema(globex):
        assert OutboxEvent.objects.filter(sent_at=None).count() == 1


def test_the_sweep_task_relays_every_dirty_organization_and_no_other(
    in_schema, acme, globex, redis_transport
):
    with in_schema(acme):
        project_create(name="Acme secret")
    with in_schema(globex):
        project_create(name="Globex plan")
    relay.events_redis().sadd(relay.dirty_key(), acme.schema_name)

    assert relay_dirty.apply().get() == 1

    assert published_slugs(redis_transport) == ["acme"]
    with in_schema(globex):
        assert OutboxEvent.objects.filter(sent_at=None).count() == 1
