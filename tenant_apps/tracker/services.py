import datetime

from django.utils import timezone

from tenant_apps.events.services import emits
from tenant_apps.tracker.models import DailySummary, Project


@emits("tracker.project.created")
def project_create(*, name: str) -> Project:
    return Project.objects.create(name=name.strip())


def summary_refresh(*, day: datetime.date | None = None) -> DailySummary:
    """Recompute the day's figures (today by default) in the current organization.

    Idempotent: the row is keyed by day and its figures are recomputed from scratch, so
    running it twice, concurrently or after a crash leaves the same single row.
    """
    day = day or timezone.localdate()
    summary, _created = DailySummary.objects.update_or_create(
        day=day, defaults={"project_count": Project.objects.count()}
    )
    return summary
