"""Reads on the failed-task store."""

from django.db.models import QuerySet

from shared_apps.failed_tasks.models import FailedTask


def failed_tasks_list(
    *,
    pending_only: bool = True,
    task_name: str | None = None,
    schema_name: str | None = None,
) -> QuerySet[FailedTask]:
    """Newest first; by default only those not replayed yet."""
    failed = FailedTask.objects.all()
    if pending_only:
        failed = failed.filter(replayed_at__isnull=True)
    if task_name:
        failed = failed.filter(task_name=task_name)
    if schema_name:
        failed = failed.filter(schema_name=schema_name)
    return failed


def failed_task_get(*, pk: int) -> FailedTask:
    """FailedTask.DoesNotExist when there is none."""
    return FailedTask.objects.get(pk=pk)
