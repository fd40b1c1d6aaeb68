"""The demo app's background work: the pattern for a tenant app's tasks.

No organization argument: the task runs in the schema of whoever queued it (a request at
Acme, or beat's per-organization fan-out; see CELERY_BEAT_SCHEDULE). Retried with backoff
on database hiccups; safe to retry because the service it calls is idempotent.
"""

from celery import shared_task
from django.conf import settings
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


@shared_task(
    name="tracker.trash_purge",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def trash_purge() -> int:
    """Empty the current organization's trash of what is older than TRACKER_TRASH_DAYS.
    Safe to retry: a second run finds nothing left that old."""
    return services.trash_purge(older_than_days=settings.TRACKER_TRASH_DAYS)


@shared_task(name="tracker.overdue_digest")
def overdue_digest() -> int:
    """Email the current organization's assignees their overdue tasks. Not retried on
    its own: a retry after some emails went would send those twice."""
    return services.overdue_digest_send()
