"""The admins' pages: register, secret shown once, rotate, redeliver; members and Globex
see nothing of Acme's endpoints."""

import pytest

from tenant_apps.tracker.services import project_create
from tenant_apps.webhooks import services
from tenant_apps.webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

GOOD = {"url": "https://hooks.example.com/in", "description": "CRM", "event_types": [
    "tracker.project.created", "accounts.member.joined",
]}  # fmt: skip


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(member_of, in_schema, acme):
    _admin, client = member_of(acme, "admin")
    response = client.post("/webhooks/", GOOD)
    assert response.status_code == 201
    with in_schema(acme):
        endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    assert endpoint.event_types == sorted(GOOD["event_types"])

    page = client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert endpoint.secret not in page
    assert endpoint.secret not in client.get("/webhooks/").content.decode()


def test_rotating_replaces_the_secret_and_shows_the_new_one(acme_owner_client, in_schema, acme):
    with in_schema(acme):
        endpoint, old = services.endpoint_create(created_by=None, **GOOD)
    response = acme_owner_client.post(f"/webhooks/{endpoint.pk}/rotate-secret/")
    with in_schema(acme):
        endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in response.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"url": "ftp://example.com/"}, "Use an http:// or https:// URL."),
        ({"url": "https://me:pw@example.com/"}, "Leave credentials out of the URL"),
        ({"url": "https://169.254.169.254/"}, "a cloud metadata address"),
        ({"url": "https://example.com/" + "x" * 2100}, "Keep the URL under 2000 characters."),
        ({"event_types": []}, "Choose at least one event type."),
        ({"event_types": ["billing.invoice.paid"]}, "not one of the available choices"),
        ({"description": "d" * 201}, "Keep the description under 200 characters."),
    ],
)
def test_bad_input_gets_a_400_with_the_reason_and_nothing_is_made(
    acme_owner_client, in_schema, acme, change, message
):
    response = acme_owner_client.post("/webhooks/", {**GOOD, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    with in_schema(acme):
        assert WebhookEndpoint.objects.count() == 0


def test_an_update_with_bad_input_changes_nothing(acme_owner_client, in_schema, acme):
    with in_schema(acme):
        endpoint, _ = services.endpoint_create(created_by=None, **GOOD)
    response = acme_owner_client.post(
        f"/webhooks/{endpoint.pk}/", {**GOOD, "url": "http://10.0.0.1/"}
    )
    assert response.status_code == 400
    assert "10.0.0.1 is a private address" in response.content.decode()
    with in_schema(acme):
        endpoint.refresh_from_db()
    assert endpoint.url == GOOD["url"]


def test_members_cannot_manage_webhooks(member_of, in_schema, acme):
    _member, client = member_of(acme, "member")
    assert client.get("/webhooks/").status_code == 403
    assert client.post("/webhooks/", GOOD).status_code == 403
    with in_schema(acme):
        assert WebhookEndpoint.objects.count() == 0


def test_globex_cannot_see_or_touch_acmes_endpoints(
    acme_owner_client, globex_owner_client, in_schema, acme
):
    with in_schema(acme):
        endpoint, _ = services.endpoint_create(created_by=None, **GOOD)
    assert "hooks.example.com" not in globex_owner_client.get("/webhooks/").content.decode()
    assert globex_owner_client.get(f"/webhooks/{endpoint.pk}/").status_code == 404
    assert globex_owner_client.post(f"/webhooks/{endpoint.pk}/rotate-secret/").status_code == 404
    old = endpoint.secret
    with in_schema(acme):
        endpoint.refresh_from_db()
    assert endpoint.secret == old


def test_a_delivery_is_redelivered_by_hand_from_its_row(
    acme_owner_client, in_schema, acme, receiver, endpoint_for, run_queued
):
    with in_schema(acme):
        endpoint, _ = endpoint_for(receiver.url())
        project_create(name="Anvil")
        envelope = {**_only_outbox_payload()}
        with run_queued():
            [delivery] = services.deliveries_for_event(envelope=envelope)

    page = acme_owner_client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert f'id="delivery-{delivery.pk}"' in page
    with run_queued():
        response = acme_owner_client.post(
            f"/webhooks/deliveries/{delivery.pk}/redeliver/", HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(f'<tr id="delivery-{delivery.pk}"')
    assert len(receiver.requests) == 2
    ids = {r["headers"]["Tenantry-Event-Id"] for r in receiver.requests}
    assert ids == {envelope["id"]}
    with in_schema(acme):
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)


def test_a_disabled_endpoints_delivery_is_not_redelivered(acme_owner_client, in_schema, acme):
    with in_schema(acme):
        endpoint, _ = services.endpoint_create(created_by=None, **GOOD)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event_id="00000000-0000-0000-0000-000000000001",
            event_type="tracker.project.created", payload={}, status="failed",
        )  # fmt: skip
    response = acme_owner_client.post(f"/webhooks/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 400
    assert "enable it, then redeliver" in response.content.decode()
    assert acme_owner_client.post(f"/webhooks/{endpoint.pk}/enable/").status_code == 302
    with in_schema(acme):
        endpoint.refresh_from_db()
    assert endpoint.is_active


def _only_outbox_payload():
    from tenant_apps.events.models import OutboxEvent

    [payload] = OutboxEvent.objects.values_list("payload", flat=True)
    return payload


def test_the_deliveries_fragment_is_the_table_alone(acme_owner_client, in_schema, acme):
    with in_schema(acme):
        endpoint, _ = services.endpoint_create(created_by=None, **GOOD)
    response = acme_owner_client.get(f"/webhooks/{endpoint.pk}/deliveries/")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<table class="table" id="delivery-list">')
    assert "No deliveries yet." in body
