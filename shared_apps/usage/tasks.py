"""The periodic flush of the meters into UsageDay (beat, in public; services.py says why)."""

from celery import shared_task

from shared_apps.usage.services import usage_flush


@shared_task(name="usage.flush")
def flush() -> int:
    return usage_flush()
