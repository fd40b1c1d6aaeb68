"""A worker killed mid-task (SIGKILL: no shutdown, no acknowledgement) loses nothing.

Tasks are acknowledged late, so the killed worker's message stays in the broker's
unacknowledged set; once the visibility timeout has passed, the next worker delivers it
again and it completes, once. The timeout is set short for these workers only
(CELERY_VISIBILITY_TIMEOUT); elsewhere it is an hour.
"""

import uuid
from collections.abc import Iterator

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.shared_apps.tenants import celery_probe
from tests.shared_apps.tenants.celery_worker import WorkerProcess, probe_rows, wait_until

pytestmark = pytest.mark.django_db

QUEUE = "redelivery-test"
SHORT_VISIBILITY = {"CELERY_VISIBILITY_TIMEOUT": "2"}


@pytest.fixture(scope="module")
def probe_table(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(celery_probe.PROBE_TABLE_SQL)
        yield
        with connection.cursor() as cursor:
            cursor.execute(celery_probe.DROP_PROBE_TABLE_SQL)


def test_a_task_whose_worker_is_killed_is_redelivered_and_completes_once(probe_table):
    label = f"kill-{uuid.uuid4().hex[:10]}"
    first = WorkerProcess(queues=[QUEUE], concurrency=1, env=SHORT_VISIBILITY)
    second = None
    try:
        with schema_context("org_acme"):
            result = celery_probe.stall_on_first_delivery.apply_async((label,), queue=QUEUE)
        wait_until(lambda: probe_rows(label), what="the task to start", worker=first)
        first.kill()

        second = WorkerProcess(queues=[QUEUE], concurrency=1, env=SHORT_VISIBILITY)
        wait_until(
            lambda: ("org_acme", "completed") in probe_rows(label, "schema_name", "event"),
            what="the redelivered task to complete",
            worker=second,
        )
        second.wait_for_line(
            lambda line: f"stall_on_first_delivery[{result.id}] succeeded" in line,
            what="the success line",
        )
        assert f"stall_on_first_delivery[{result.id}] is delivered again" in second.output()
        second.stop()  # acknowledged: nothing left for a third delivery
        assert probe_rows(label, "schema_name", "event", "task_id") == [
            ("org_acme", "started", result.id),
            ("org_acme", "started", result.id),
            ("org_acme", "completed", result.id),
        ]
    finally:
        first.stop()
        if second is not None:
            second.stop()
