"""The control: the same task on a plain `celery.Celery` app, same settings and database.

The schema is passed as an argument and named in the query, which is what a project does
without tenant-aware tasks. Tenantry's own Celery signal receivers are disconnected here,
so this worker runs Celery and Django only.
"""

import os

import django
from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.celery_bench_settings")
django.setup()

from django.db import connection  # noqa: E402

from tests.bench.celery_bench_tasks import _count_done  # noqa: E402

for signal, uid in (
    (signals.task_received, "tenantry-received"),
    (signals.task_failure, "tenantry-failed-store"),
    (signals.task_postrun, "tenantry-restore"),
    (signals.before_task_publish, "tenantry-context-headers"),
):
    signal.disconnect(dispatch_uid=uid)

app = Celery("plain", set_as_current=False)
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="bench.plain_count")
def plain_count(schema_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{schema_name}".tracker_project')
        (count,) = cursor.fetchone()
    _count_done()
    return count
