import csv
import io
import uuid

import pytest
from django.utils import timezone

from tenant_apps.events import relay
from tenant_apps.events.consumers import AUDIT, consume
from tenant_apps.events.models import AuditEntry

pytestmark = pytest.mark.django_db


def audited(transport, in_schema, organization):
    with in_schema(organization):
        relay.relay_organization(transport=transport)
    consume(AUDIT, transport)


def test_owner_sees_who_did_what_from_where(acme_owner_client, in_schema, acme, redis_transport):
    acme_owner_client.post("/", {"name": "Rocket skates"}, REMOTE_ADDR="203.0.113.7")
    audited(redis_transport, in_schema, acme)

    page = acme_owner_client.get("/audit/").content.decode()
    assert "owner@acme.test" in page
    assert "203.0.113.7" in page
    assert "created project “Rocket skates”" in page


def test_members_cannot_read_the_audit_log(member_of, acme):
    _user, client = member_of(acme, "member")
    assert client.get("/audit/").status_code == 403


def test_admins_can(member_of, acme):
    _user, client = member_of(acme, "admin")
    assert client.get("/audit/").status_code == 200


def test_globex_never_sees_acmes_entries(
    acme_owner_client, globex_owner_client, in_schema, acme, redis_transport
):
    acme_owner_client.post("/", {"name": "Rocket skates"})
    audited(redis_transport, in_schema, acme)

    assert "Rocket skates" in acme_owner_client.get("/audit/").content.decode()
    globex_page = globex_owner_client.get("/audit/").content.decode()
    assert "Rocket skates" not in globex_page
    assert "owner@acme.test" not in globex_page


def make_entries(count, **fields):
    now = timezone.now()
    AuditEntry.objects.bulk_create(
        AuditEntry(
            event_id=uuid.uuid4(),
            event_type=fields.get("event_type", "tracker.project.created"),
            occurred_at=now,
            actor_email=fields.get("actor_email", "owner@acme.test"),
            entity_type="tracker.project",
            entity_id=str(n),
            summary=fields.get("summary", f"entry {n}"),
        )
        for n in range(count)
    )


def test_filters_and_pages(acme_owner_client, in_schema, acme):
    with in_schema(acme):
        make_entries(55)
        make_entries(1, event_type="files.file.deleted", actor_email="wile@acme.test", summary="x")

    first = acme_owner_client.get("/audit/").content.decode()
    assert "Page 1 of 2" in first
    filtered = acme_owner_client.get("/audit/", {"event_type": "files.file.deleted"})
    assert filtered.content.decode().count("<tr>") == 2  # header + the one entry
    by_actor = acme_owner_client.get("/audit/", {"actor": "wile"})
    assert "wile@acme.test" in by_actor.content.decode()
    assert by_actor.content.decode().count("<tr>") == 2


def test_bad_filters_get_a_400_with_the_reason(acme_owner_client):
    response = acme_owner_client.get("/audit/", {"since": "not-a-date", "event_type": "nope"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()


def test_csv_export_has_every_filtered_row_and_defuses_formulas(acme_owner_client, in_schema, acme):
    with in_schema(acme):
        make_entries(60)
        make_entries(1, summary='=HYPERLINK("http://evil")')

    response = acme_owner_client.get("/audit/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "occurred_at"
    assert len(rows) == 62
    assert any(row[-1] == '\'=HYPERLINK("http://evil")' for row in rows)


def test_the_consume_command_drains_waiting_events_into_the_audit_log(
    in_schema, acme, redis_transport
):
    from django.core.management import call_command

    from tenant_apps.tracker.services import project_create

    with in_schema(acme):
        project_create(name="Anvil")
        relay.relay_organization(transport=redis_transport)
    out = io.StringIO()
    call_command("events_consume", "audit", "--once", stdout=out)

    assert out.getvalue().strip() == "applied 1 events"
    with in_schema(acme):
        assert AuditEntry.objects.count() == 1


def test_the_consume_commands_help_names_every_registered_consumer():
    from django.core.management import load_command_class

    from tenant_apps.events.consumers import CONSUMERS

    command = load_command_class("tenant_apps.events", "events_consume")
    assert "webhooks" in CONSUMERS  # registered by the webhooks app, not the events app
    assert command.help.endswith(f"Consumers: {', '.join(sorted(CONSUMERS))}.")
