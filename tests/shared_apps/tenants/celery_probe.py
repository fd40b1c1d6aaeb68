"""Tasks only the test workers load (`celery worker --include`): they report where and how
they ran into `public.celery_probe`, a table the worker tests create and drop."""

import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection

from shared_apps.tenants.runtime.log_context import current_log_context

PROBE_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS public.celery_probe (
    id bigserial PRIMARY KEY,
    label text NOT NULL,
    event text NOT NULL DEFAULT 'ran',
    schema_name text NOT NULL,
    task_id text,
    correlation_id text,
    user_id text
);
CREATE TABLE IF NOT EXISTS public.celery_probe_switch (label text PRIMARY KEY);
"""
DROP_PROBE_TABLE_SQL = "DROP TABLE IF EXISTS public.celery_probe, public.celery_probe_switch"


def _note(label: str, event: str = "ran") -> None:
    context = current_log_context()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.celery_probe"
            " (label, event, schema_name, task_id, correlation_id, user_id)"
            " VALUES (%s, %s, current_schema(), %s, %s, %s)",
            [label, event, context.task_id, context.correlation_id, context.user_id],
        )


def _switched_on(label: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM public.celery_probe_switch WHERE label = %s", [label])
        return cursor.fetchone() is not None


@shared_task(name="probe.record")
def record(label: str) -> None:
    _note(label)


@shared_task(name="probe.retry_once", bind=True)
def retry_once(self, label: str) -> None:
    if self.request.retries == 0:
        raise self.retry(countdown=0)
    _note(label)


@shared_task(name="probe.fail_until_switched_on")
def fail_until_switched_on(label: str) -> None:
    if not _switched_on(label):
        raise RuntimeError(f"probe {label} is switched off")
    _note(label)


@shared_task(name="probe.overrun", soft_time_limit=1, time_limit=2)
def overrun(label: str) -> None:
    """Ignores its soft time limit, so the worker has to kill it at the hard one."""
    _note(label, "started")
    try:
        time.sleep(10)
    except SoftTimeLimitExceeded:
        _note(label, "warned")
        time.sleep(10)


@shared_task(name="probe.stall_on_first_delivery")
def stall_on_first_delivery(label: str) -> None:
    """Notes each start; the first one then stalls (to be killed), a later one completes."""
    _note(label, "started")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM public.celery_probe WHERE label = %s AND event = 'started'",
            [label],
        )
        (starts,) = cursor.fetchone()
    if starts == 1:
        time.sleep(60)
    _note(label, "completed")
