"""The demo app's background work: the pattern for a tenant app's tasks.

No organization argument: the task runs in the schema of whoever queued it (a request at
Acme, or beat's per-organization fan-out; see CELERY_BEAT_SCHEDULE). Retried with backoff
on database hiccups; safe to retry because the service it calls is idempotent.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from tenant_apps.tracker import services


@shared_task(
    name="tracker.summary_refresh",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def summary_refresh() -> int:
    """Recompute today's summary for the current organization; return its project count."""
    return services.summary_refresh().project_count
