import json

import pytest

from tenant_apps.events import relay
from tenant_apps.events.consumers import AUDIT, consume
from tenant_apps.events.models import AuditEntry, ProcessedEvent
from tenant_apps.tracker.services import project_create

pytestmark = pytest.mark.django_db


def test_acmes_events_reach_only_acmes_audit_log(in_schema, acme, globex, redis_transport):
    with in_schema(acme):
        project_create(name="Acme secret")
        relay.relay_organization(transport=redis_transport)
    with in_schema(globex):
        project_create(name="Globex plan")
        relay.relay_organization(transport=redis_transport)

    assert consume(AUDIT, redis_transport) == 2

    with in_schema(acme):
        assert list(AuditEntry.objects.values_list("summary", flat=True)) == [
            "created project “Acme secret”"
        ]
    with in_schema(globex):
        assert list(AuditEntry.objects.values_list("summary", flat=True)) == [
            "created project “Globex plan”"
        ]


def test_a_message_whose_organization_field_disagrees_with_its_payload_is_refused(
    in_schema, acme, globex, redis_transport
):
    with in_schema(acme):
        project_create(name="Acme secret")
        relay.relay_organization(transport=redis_transport)
    stream = redis_transport.stream("tracker")
    [(_id, fields)] = redis_transport.client.xrange(stream)
    # The same Acme payload, relabelled for Globex by a faulty or hostile producer.
    redis_transport.client.xadd(
        stream,
        {"id": fields[b"id"], "organization": globex.schema_name, "payload": fields[b"payload"]},
    )
    forged = json.loads(fields[b"payload"])
    forged["organization"] = {"schema": globex.schema_name, "slug": "globex"}
    redis_transport.client.xadd(
        stream,
        {"id": fields[b"id"], "organization": acme.schema_name, "payload": json.dumps(forged)},
    )

    assert consume(AUDIT, redis_transport) == 1  # the genuine message only

    with in_schema(globex):
        assert AuditEntry.objects.count() == 0
        assert ProcessedEvent.objects.count() == 0
    with in_schema(acme):
        assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize("schema", ["public", "org_nobody"])
def test_a_message_for_public_or_an_unknown_schema_is_refused(redis_transport, schema):
    event_id = "00000000-0000-0000-0000-000000000001"
    redis_transport.client.xadd(
        redis_transport.stream("tracker"),
        {
            "id": event_id,
            "organization": schema,
            "payload": json.dumps({"id": event_id, "organization": {"schema": schema}}),
        },
    )
    assert consume(AUDIT, redis_transport) == 0
