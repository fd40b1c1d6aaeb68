"""Retries for real: a `celery worker` process delivers to a receiver on 127.0.0.1 that
fails twice, and each retry waits its backoff (the broker holds the countdown), as in
production. The first wait is 1 s here (WEBHOOKS_RETRY_FIRST_SECONDS) so the test takes
seconds; the eager tests in test_delivery.py skip the waits."""

import time
from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context

from tenant_apps.events import relay
from tenant_apps.events.models import OutboxEvent
from tenant_apps.events.transports import events_redis
from tenant_apps.tracker.models import Project
from tenant_apps.tracker.services import project_create
from tenant_apps.webhooks import services
from tenant_apps.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.shared_apps.tenants.celery_worker import WorkerProcess, committed, wait_until

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def worker(django_db_setup: None) -> Iterator[WorkerProcess]:
    """After the test database exists: the worker is pointed at it by name."""
    process = WorkerProcess(queues=["background"], env={"WEBHOOKS_RETRY_FIRST_SECONDS": "1"})
    yield process
    process.stop()


@pytest.fixture
def arrivals(receiver) -> list[float]:
    """When each request reached the receiver (monotonic seconds)."""
    times: list[float] = []
    record = receiver.server.RequestHandlerClass.do_POST

    def timed(handler) -> None:
        times.append(time.monotonic())
        record(handler)

    receiver.server.RequestHandlerClass.do_POST = timed
    return times


def _endpoint_and_delivery(url: str) -> dict[str, int]:
    """Committed, in Acme: an endpoint, a project's event, its delivery queued on commit."""
    with schema_context("org_acme"):
        endpoint, _secret = services.endpoint_create(
            url=url, description="retry test", event_types=["tracker.project.created"],
            created_by=None,
        )  # fmt: skip
        project = project_create(name="Retried")
        event = OutboxEvent.objects.get(entity_id=str(project.pk), entity_type="tracker.project")
        [delivery] = services.deliveries_for_event(envelope=event.payload)
        return {"endpoint": endpoint.pk, "project": project.pk, "event": event.pk,
                "delivery": delivery.pk}  # fmt: skip


def _clean_up(made: dict[str, int]) -> None:
    """Remove what _endpoint_and_delivery committed, its wake-up mark included, so no
    later test meets it."""
    with schema_context("org_acme"):
        WebhookEndpoint.objects.filter(pk=made["endpoint"]).delete()  # and its deliveries
        OutboxEvent.objects.filter(pk=made["event"]).delete()
        Project.all_objects.filter(pk=made["project"]).delete()
    events_redis().srem(relay.dirty_key(), "org_acme")


def test_a_failing_receiver_gets_the_retries_after_their_backoff(worker, receiver, arrivals):
    receiver.script = [500, 503]
    made = committed(_endpoint_and_delivery, receiver.url())
    try:
        wait_until(lambda: len(receiver.requests) == 3, what="three attempts", worker=worker)
        with schema_context("org_acme"):
            delivery = wait_until(
                lambda: WebhookDelivery.objects.filter(
                    pk=made["delivery"], status="succeeded"
                ).first(),
                what="the delivery marked succeeded",
                worker=worker,
            )
    finally:
        committed(_clean_up, made)

    assert (delivery.attempts, delivery.response_code) == (3, 200)
    assert len({r["headers"]["Tenantry-Event-Id"] for r in receiver.requests}) == 1
    first_wait, second_wait = arrivals[1] - arrivals[0], arrivals[2] - arrivals[1]
    assert first_wait >= 1.0 and second_wait >= 2.0, (first_wait, second_wait)  # doubling
    assert "Retry in 1s" in worker.output() and "Retry in 2s" in worker.output()
