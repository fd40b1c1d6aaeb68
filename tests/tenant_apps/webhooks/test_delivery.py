"""Deliveries to a real receiver on 127.0.0.1: signed, retried, recorded, disabled."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tenant_apps.events import relay
from tenant_apps.events.consumers import CONSUMERS, consume
from tenant_apps.events.models import OutboxEvent
from tenant_apps.notifications.models import Notification
from tenant_apps.tracker.services import project_create
from tenant_apps.webhooks import attempts, services, targets
from tenant_apps.webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

WEBHOOKS = CONSUMERS["webhooks"]


def documented_recipe():
    """The `verify_webhook` of docs/events.md, run exactly as a receiver would copy it."""
    text = (Path(django_settings.BASE_DIR) / "docs" / "events.md").read_text()
    section = text.split("### Verifying a delivery", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/events.md", "exec"), namespace)
    return namespace["verify_webhook"]


def delivered_through_the_consumer(transport, run_queued):
    with run_queued():
        return consume(WEBHOOKS, transport)


def test_a_delivery_verifies_with_the_documented_recipe(
    in_schema, acme, receiver, endpoint_for, redis_transport, run_queued
):
    with in_schema(acme):
        _endpoint, secret = endpoint_for(receiver.url())
        project_create(name="Anvil")
        relay.relay_organization(transport=redis_transport)
    assert delivered_through_the_consumer(redis_transport, run_queued) == 1

    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    envelope = json.loads(body)
    assert envelope["type"] == "tracker.project.created"
    assert envelope["organization"]["slug"] == "acme"
    assert headers["Tenantry-Event-Id"] == envelope["id"]
    assert headers["Content-Type"] == "application/json"
    verify = documented_recipe()
    signature = headers["Tenantry-Signature"]
    assert verify(secret, body, signature)
    assert not verify(secret, body + b" ", signature)
    assert not verify("whsec_someone-elses", body, signature)
    timestamp = int(signature.split(",")[0].removeprefix("t="))
    assert not verify(secret, body, signature, now=timestamp + 301)  # a replay, too late
    assert verify(secret, body, signature, now=timestamp + 299)
    with in_schema(acme):
        delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 1, 200)
    assert delivery.response_ms is not None


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(
    in_schema, acme, receiver, endpoint_for, redis_transport, run_queued
):
    receiver.script = [500, 500]
    with in_schema(acme):
        endpoint, secret = endpoint_for(receiver.url())
        project_create(name="Anvil")
        relay.relay_organization(transport=redis_transport)
    delivered_through_the_consumer(redis_transport, run_queued)

    assert len(receiver.requests) == 3
    assert len({r["headers"]["Tenantry-Event-Id"] for r in receiver.requests}) == 1
    verify = documented_recipe()
    assert all(
        verify(secret, r["body"], r["headers"]["Tenantry-Signature"]) for r in receiver.requests
    )
    with in_schema(acme):
        delivery = WebhookDelivery.objects.get()
        endpoint.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 3, 200)
    assert endpoint.consecutive_failures == 0


def test_retries_wait_longer_each_time():
    assert [attempts.backoff_seconds(n) for n in range(1, 9)] == [
        30, 60, 120, 240, 480, 960, 1800, 1800,
    ]  # fmt: skip


def test_a_delivery_gives_up_after_the_last_attempt(
    settings, in_schema, acme, receiver, endpoint_for, redis_transport, run_queued
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 3
    receiver.script = [500] * 10
    with in_schema(acme):
        endpoint_for(receiver.url())
        project_create(name="Anvil")
        relay.relay_organization(transport=redis_transport)
    delivered_through_the_consumer(redis_transport, run_queued)

    assert len(receiver.requests) == 3
    with in_schema(acme):
        delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 3, 500)
    assert delivery.last_error == "The endpoint answered HTTP 500."


def test_an_endpoint_failing_too_often_in_a_row_is_disabled_and_its_admins_are_told(
    settings, member_of, in_schema, acme, globex, receiver, endpoint_for, run_queued
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 2
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    receiver.script = [500] * 10
    admin, _ = member_of(acme, "admin")
    member, _ = member_of(acme, "member")
    with in_schema(acme):
        endpoint, _secret = endpoint_for(receiver.url())
        for name in ("One", "Two", "Three"):
            project_create(name=name)
        envelopes = list(OutboxEvent.objects.order_by("id").values_list("payload", flat=True))
        with run_queued():
            services.deliveries_for_event(envelope=envelopes[0])  # 2 attempts, 2 failures
        with run_queued():
            services.deliveries_for_event(envelope=envelopes[1])  # the 3rd failure: disabled
        with run_queued():
            assert services.deliveries_for_event(envelope=envelopes[2]) == []
        endpoint.refresh_from_db()
        statuses = list(WebhookDelivery.objects.order_by("id").values_list("status", "attempts"))
        notified = set(Notification.objects.values_list("recipient__email", "link"))

    assert len(receiver.requests) == 3
    assert statuses == [("failed", 2), ("failed", 1)]  # no retry once disabled
    assert not endpoint.is_active
    assert "3 failed attempts in a row" in endpoint.disabled_reason
    link = f"/webhooks/{endpoint.pk}/"
    assert notified == {("owner@acme.test", link), (admin.email, link)}  # not the member
    assert member.email not in {email for email, _link in notified}
    with in_schema(globex):
        assert Notification.objects.count() == 0


def test_a_target_refused_by_the_production_rule_is_never_contacted(
    settings, in_schema, acme, receiver, endpoint_for, run_queued
):
    with in_schema(acme):
        endpoint_for(receiver.url(host="localhost"), event_types=["tracker.project.created"])
        project_create(name="Anvil")
        [envelope] = OutboxEvent.objects.values_list("payload", flat=True)
        settings.WEBHOOKS_ALLOWED_PRIVATE_TARGETS = []
        with run_queued():
            services.deliveries_for_event(envelope=envelope)
        delivery = WebhookDelivery.objects.get()

    assert receiver.requests == []
    assert (delivery.status, delivery.attempts) == ("failed", 1)  # refused: not retried
    assert delivery.last_error.startswith("Refused: localhost resolves to 127.0.0.1")


def test_the_request_goes_to_the_checked_address_under_the_urls_host_name(settings, receiver):
    """A name is resolved once, when checked: the connection uses that address and the
    name travels only in the Host header (here a name that resolves nowhere at all)."""
    target = targets.Target(
        scheme="http", host="rebind.example", port=receiver.port, address="127.0.0.1", path="/p"
    )
    assert targets.post(target, body=b"{}", headers={}, timeout=5) == 200
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"rebind.example:{receiver.port}"
    assert request["path"] == "/p"


def test_a_delivery_to_a_name_keeps_the_names_host_header(
    settings, in_schema, acme, receiver, endpoint_for, run_queued
):
    settings.WEBHOOKS_ALLOWED_PRIVATE_TARGETS = ["127.0.0.1/32", "::1/128"]
    with in_schema(acme):
        endpoint_for(receiver.url(host="localhost"))
        project_create(name="Anvil")
        [envelope] = OutboxEvent.objects.values_list("payload", flat=True)
        with run_queued():
            services.deliveries_for_event(envelope=envelope)
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"localhost:{receiver.port}"


def test_a_disabled_endpoint_is_not_sent_what_was_pending(
    in_schema, acme, receiver, endpoint_for, run_queued
):
    with in_schema(acme):
        endpoint, _ = endpoint_for(receiver.url())
        project_create(name="Anvil")
        [envelope] = OutboxEvent.objects.values_list("payload", flat=True)
        [delivery] = services.deliveries_for_event(envelope=envelope)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
        assert attempts.delivery_attempt(delivery_id=delivery.pk, final=False) == "skipped"
        delivery.refresh_from_db()
    assert receiver.requests == []
    assert delivery.status == "failed"


def test_the_consume_command_runs_the_webhooks_consumer(
    in_schema, acme, receiver, endpoint_for, redis_transport, run_queued
):
    import io

    from django.core.management import call_command

    with in_schema(acme):
        endpoint_for(receiver.url())
        project_create(name="Anvil")
        relay.relay_organization(transport=redis_transport)
    out = io.StringIO()
    with run_queued():
        call_command("events_consume", "webhooks", "--once", stdout=out)
    assert out.getvalue().strip() == "applied 1 events"
    assert len(receiver.requests) == 1


def test_deliveries_go_to_the_background_queue():
    from celery import current_app

    assert current_app.amqp.router.route({}, "webhooks.deliver")["queue"].name == "background"
