"""The task base in this process (eager `apply()`): schema selection, the status gate, the
organization cache and the headers a queued task carries. The same behaviour through a
real broker and worker is in test_celery_worker.py."""

import logging

import pytest
from celery import shared_task, signals, states
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.runtime.log_context import LogContext, bind_log_context, unbind_log_context
from shared_apps.tenants.runtime.task_base import (
    SCHEMA_HEADER,
    TASK_CORRELATION_HEADER,
    USER_HEADER,
    forget_cached_organizations,
    organization_for_schema,
)

pytestmark = pytest.mark.django_db


@shared_task(name="tests.current_schema")
def current_schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


@pytest.fixture(autouse=True)
def _fresh_organization_cache():
    forget_cached_organizations()
    yield
    forget_cached_organizations()


def test_a_task_runs_in_the_schema_it_was_queued_from_and_the_caller_gets_its_own_back(
    in_schema, acme, globex
):
    with in_schema(acme):
        assert current_schema.apply().get() == "org_acme"
        assert connection.schema_name == "org_acme"
    with in_schema(globex):
        assert current_schema.apply().get() == "org_globex"
    assert current_schema.apply().get() == "public"


def test_a_task_for_a_suspended_organization_is_ignored_with_a_log_line(in_schema, acme, caplog):
    lifecycle.organization_suspend(organization=acme)
    with in_schema(acme), caplog.at_level(logging.WARNING):
        result = current_schema.apply()
    assert result.state == states.IGNORED
    assert "organization org_acme is suspended" in caplog.text


@shared_task(
    name="tests.schema_even_when_suspended", run_for_statuses=frozenset({"active", "suspended"})
)
def schema_even_when_suspended() -> str:
    return connection.schema_name


def test_a_task_can_declare_the_statuses_it_runs_for(in_schema, acme):
    lifecycle.organization_suspend(organization=acme)
    with in_schema(acme):
        assert schema_even_when_suspended.apply().get() == "org_acme"
        assert current_schema.apply().state == states.IGNORED


def test_active_organizations_are_cached_and_a_change_is_seen_at_once(acme):
    organization_for_schema("org_acme")
    with CaptureQueriesContext(connection) as queries:
        assert organization_for_schema("org_acme").slug == "acme"
    assert len(queries) == 0

    lifecycle.organization_suspend(organization=acme)  # broadcasts the routing invalidation
    assert organization_for_schema("org_acme").status == "suspended"


def test_inactive_and_unknown_schemas_are_never_cached(acme):
    lifecycle.organization_suspend(organization=acme)
    organization_for_schema("org_acme")
    assert organization_for_schema("org_nobody") is None
    with CaptureQueriesContext(connection) as queries:
        organization_for_schema("org_acme")
        organization_for_schema("org_nobody")
    assert len(queries) == 2


def test_a_queued_task_carries_schema_correlation_id_and_user(in_schema, globex):
    published: list[dict] = []

    def capture(headers=None, **_kwargs):
        published.append(dict(headers))

    signals.before_task_publish.connect(capture, weak=False, dispatch_uid="test-capture")
    token = bind_log_context(LogContext(correlation_id="req-abcdef123", user_id="7"))
    try:
        with in_schema(globex):
            current_schema.apply_async(queue="test-never-consumed")
    finally:
        unbind_log_context(token)
        signals.before_task_publish.disconnect(dispatch_uid="test-capture")
        from config.celery import app

        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge("test-never-consumed")
    assert published[0][SCHEMA_HEADER] == "org_globex"
    assert published[0][TASK_CORRELATION_HEADER] == "req-abcdef123"
    assert published[0][USER_HEADER] == "7"


def test_an_unreachable_database_at_lookup_means_retry_not_failure(acme, monkeypatch):
    from django.db import OperationalError

    from shared_apps.tenants.runtime import task_base

    attempts = []

    def unreachable(schema_name):
        attempts.append(schema_name)
        raise OperationalError("connection refused")

    monkeypatch.setattr(task_base, "organization_for_schema", unreachable)
    result = current_schema.apply(headers={"_schema_name": "org_acme"})  # queued at acme
    # Eager retries run at once: the first try and the task's 3 retries, then it fails.
    assert attempts == ["org_acme"] * 4
    assert result.state == states.FAILURE
