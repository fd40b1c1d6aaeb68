"""Tasks through a real Redis broker and a real `celery worker` process.

The worker has its own database connections, so everything it must see is committed:
module fixtures write in autocommit, tests write through `committed(...)` (a connection of
its own), and both clean up after themselves. Reads go through the test's connection,
which sees the worker's commits.
"""

import time
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context

from shared_apps.failed_tasks.models import FailedTask
from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.models import AuditEvent, Organization
from shared_apps.tenants.provisioning import services as provisioning
from shared_apps.tenants.runtime.log_context import LogContext, bind_log_context, unbind_log_context
from shared_apps.tenants.runtime.tasks import fan_out_to_organizations
from tenant_apps.tracker.models import DailySummary, Project
from tenant_apps.tracker.tasks import summary_refresh
from tests.shared_apps.tenants import celery_probe
from tests.shared_apps.tenants.celery_worker import (
    WorkerProcess,
    committed,
    probe_rows,
    wait_until,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def autocommit(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """Module set-up and tear-down run outside any test's transaction: their writes commit."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="module")
def probe_table(autocommit: None) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(celery_probe.PROBE_TABLE_SQL)
    yield
    with connection.cursor() as cursor:
        cursor.execute(celery_probe.DROP_PROBE_TABLE_SQL)


@pytest.fixture(scope="module")
def worker(probe_table: None) -> Iterator[WorkerProcess]:
    process = WorkerProcess()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def throwaway_organizations(autocommit: None) -> Iterator[dict[str, Organization]]:
    """`gone` (deleted before its task runs) and `paused` (suspended), both committed."""
    made = {
        "gone": provisioning.organization_create(name="Gone Ltd", slug="wk-gone"),
        "paused": provisioning.organization_create(name="Paused Ltd", slug="wk-paused"),
    }
    lifecycle.organization_suspend(organization=made["paused"])
    yield made
    for organization in Organization.objects.filter(slug__in=["wk-gone", "wk-paused"]):
        lifecycle.organization_delete(organization=organization, force=True)


def _label() -> str:
    return f"probe-{uuid.uuid4().hex[:10]}"


def test_the_same_task_queued_at_acme_and_globex_writes_into_each_schema_only(worker):
    def add_projects() -> None:
        with schema_context("org_acme"):
            Project.objects.bulk_create([Project(name="Anvils"), Project(name="Rockets")])
        with schema_context("org_globex"):
            Project.objects.create(name="Hammock")

    def remove_what_was_made() -> None:
        for schema in ("org_acme", "org_globex"):
            with schema_context(schema):
                DailySummary.objects.all().delete()
                Project.objects.all().delete()

    committed(add_projects)
    try:
        # Queued back to back, as two requests would; two pool processes run them.
        with schema_context("org_acme"):
            summary_refresh.delay()
        with schema_context("org_globex"):
            summary_refresh.delay()

        def both_done() -> bool:
            with schema_context("org_acme"):
                at_acme = DailySummary.objects.exists()
            with schema_context("org_globex"):
                return at_acme and DailySummary.objects.exists()

        wait_until(both_done, what="a summary in both schemas", worker=worker)
        with schema_context("org_acme"):
            assert list(DailySummary.objects.values_list("project_count", flat=True)) == [2]
        with schema_context("org_globex"):
            assert list(DailySummary.objects.values_list("project_count", flat=True)) == [1]
    finally:
        committed(remove_what_was_made)


def test_a_task_queued_from_public_runs_in_public(worker):
    label = _label()
    celery_probe.record.delay(label)
    assert wait_until(lambda: probe_rows(label), what="the probe", worker=worker) == [("public",)]


def test_the_request_context_follows_the_task_into_the_worker(worker):
    label = _label()
    token = bind_log_context(LogContext(correlation_id="req-0123456789", user_id="42"))
    try:
        with schema_context("org_globex"):
            celery_probe.record.delay(label)
    finally:
        unbind_log_context(token)
    rows = wait_until(
        lambda: probe_rows(label, "schema_name", "correlation_id", "user_id", "task_id"),
        what="the probe",
        worker=worker,
    )
    assert [row[:3] for row in rows] == [("org_globex", "req-0123456789", "42")]
    task_id = rows[0][3]
    # And the worker's own log lines about that task carry the same context.
    line = worker.wait_for_line(
        lambda line: task_id in line and "succeeded" in line, what="the task's success line"
    )
    assert "org=org_globex" in line and "cid=req-0123456789" in line and "user=42" in line


def test_a_retried_task_stays_in_its_schema_and_keeps_its_correlation_id(worker):
    label = _label()
    token = bind_log_context(LogContext(correlation_id="req-retry-0001"))
    try:
        with schema_context("org_acme"):
            celery_probe.retry_once.delay(label)
    finally:
        unbind_log_context(token)
    rows = wait_until(
        lambda: probe_rows(label, "schema_name", "correlation_id"), what="the retry", worker=worker
    )
    assert rows == [("org_acme", "req-retry-0001")]


def test_a_task_of_a_deleted_organization_is_skipped_not_retried(worker, throwaway_organizations):
    gone = throwaway_organizations["gone"]
    label = _label()
    committed(lifecycle.organization_delete, organization=gone, force=True)
    # As if queued by a request at the organization just before it was deleted.
    with schema_context(gone.schema_name):
        result = celery_probe.record.delay(label)

    line = worker.wait_for_line(
        lambda line: f"Skipped task probe.record[{result.id}]" in line, what="the skip line"
    )
    assert "organization org_wk_gone is deleted" in line
    # Skipped means acknowledged and dropped: a marker queued after it runs, it never does.
    marker = _label()
    celery_probe.record.delay(marker)
    wait_until(lambda: probe_rows(marker), what="the marker", worker=worker)
    assert probe_rows(label) == []
    assert f"probe.record[{result.id}] retry" not in worker.output()


def test_a_task_of_a_suspended_organization_is_skipped(worker, throwaway_organizations):
    paused = throwaway_organizations["paused"]
    label = _label()
    with schema_context(paused.schema_name):
        result = celery_probe.record.delay(label)
    line = worker.wait_for_line(
        lambda line: f"Skipped task probe.record[{result.id}]" in line, what="the skip line"
    )
    assert "organization org_wk_paused is suspended" in line
    assert probe_rows(label) == []


def test_fan_out_reaches_every_active_organization_exactly_once(worker, throwaway_organizations):
    label = _label()
    active = set(
        Organization.objects.filter(status=Organization.Status.ACTIVE).values_list(
            "schema_name", flat=True
        )
    )
    assert {"org_acme", "org_globex"} <= active
    assert "org_wk_paused" not in active
    spread_seconds = 2

    fan_out_to_organizations.delay(
        task_name="probe.record", spread_seconds=spread_seconds, task_kwargs={"label": label}
    )
    wait_until(
        lambda: {schema for (schema,) in probe_rows(label)} == active,
        what="a probe from every active organization",
        worker=worker,
    )
    # Every countdown has run out by now: a duplicate would have arrived too.
    time.sleep(spread_seconds + 1)
    assert Counter(schema for (schema,) in probe_rows(label)) == dict.fromkeys(active, 1)


def _switch_on(label: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO public.celery_probe_switch (label) VALUES (%s)", [label])


def _failed_task_for(task_id: str) -> FailedTask | None:
    return FailedTask.objects.filter(task_id=task_id).first()


def test_a_failed_task_is_stored_with_its_context_and_replays_into_its_schema(worker):
    label = _label()
    token = bind_log_context(LogContext(correlation_id="req-replay-0001"))
    try:
        with schema_context("org_acme"):
            result = celery_probe.fail_until_switched_on.delay(label)
    finally:
        unbind_log_context(token)
    failed = wait_until(
        lambda: _failed_task_for(result.id), what="the failed-task record", worker=worker
    )
    try:
        assert (failed.task_name, failed.schema_name, failed.queue) == (
            "probe.fail_until_switched_on",
            "org_acme",
            "interactive",
        )
        assert failed.args == [label]
        assert failed.correlation_id == "req-replay-0001"
        assert failed.exception_type == "builtins.RuntimeError"
        assert "switched off" in failed.traceback

        committed(_switch_on, label)
        committed(call_command, "failed_tasks", "replay", str(failed.pk))
        rows = wait_until(
            lambda: probe_rows(label, "schema_name", "correlation_id"),
            what="the replayed task",
            worker=worker,
        )
        assert rows == [("org_acme", "req-replay-0001")]
        failed.refresh_from_db()
        assert failed.replayed_at is not None and failed.replayed_as
    finally:
        committed(FailedTask.objects.filter(task_id=result.id).delete)
        # The replay is audited, and committed like the rest.
        committed(AuditEvent.objects.filter(detail__task_id=result.id).delete)


def test_a_task_past_its_hard_time_limit_is_stored_with_its_schema(worker):
    label = _label()
    with schema_context("org_globex"):
        result = celery_probe.overrun.delay(label)
    failed = wait_until(
        lambda: _failed_task_for(result.id), what="the failed-task record", worker=worker
    )
    try:
        assert failed.exception_type == "billiard.exceptions.TimeLimitExceeded"
        assert (failed.schema_name, failed.args) == ("org_globex", [label])
        assert probe_rows(label, "schema_name", "event") == [
            ("org_globex", "started"),
            ("org_globex", "warned"),
        ]
    finally:
        committed(FailedTask.objects.filter(task_id=result.id).delete)
