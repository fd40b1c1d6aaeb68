"""The runtime's one task: fan a periodic task out to every active organization."""

from typing import Any

from celery import shared_task

from shared_apps.tenants.runtime.fanout import FAN_OUT_TASK_NAME, organizations_fan_out


@shared_task(name=FAN_OUT_TASK_NAME)
def fan_out_to_organizations(
    task_name: str, spread_seconds: int = 0, task_kwargs: dict[str, Any] | None = None
) -> int:
    """Queue `task_name` once per active organization (see fanout.py)."""
    return organizations_fan_out(
        task_name=task_name, spread_seconds=spread_seconds, task_kwargs=task_kwargs
    )
