"""Reading usage, for the console and the platform API (one code path for both)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from shared_apps.tenants.models import Organization
from shared_apps.usage.models import UsageDay

DEFAULT_DAYS = 30
MAX_DAYS = 366


def usage_range_validate(
    *, since: str = "", until: str = ""
) -> tuple[datetime.date, datetime.date]:
    """ISO dates (`YYYY-MM-DD`, both inclusive); by default the last 30 days to today."""
    errors: dict[str, str] = {}
    parsed: dict[str, datetime.date | None] = {}
    for name, raw in (("since", since), ("until", until)):
        try:
            parsed[name] = datetime.date.fromisoformat(raw) if raw else None
        except ValueError:
            parsed[name] = None
            errors[name] = f"“{raw[:40]}” is not a date (YYYY-MM-DD)."
    if errors:
        raise ValidationError(errors)
    last = parsed["until"] or timezone.now().astimezone(datetime.UTC).date()
    first = parsed["since"] or last - datetime.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ValidationError({"since": "since is after until."})
    if (last - first).days >= MAX_DAYS:
        raise ValidationError({"since": f"Ask for at most {MAX_DAYS} days at a time."})
    return first, last


def usage_for(
    organization: Organization, *, since: datetime.date, until: datetime.date
) -> list[UsageDay]:
    """The organization's days with any usage between `since` and `until`, newest first
    (a day without a row had no usage; storage is then the previous day's)."""
    return list(UsageDay.objects.filter(organization=organization, day__gte=since, day__lte=until))


def usage_as_json(row: UsageDay) -> dict[str, Any]:
    return {
        "day": row.day.isoformat(),
        "api_calls": row.api_calls,
        "events": row.events,
        "active_members": row.active_members,
        "storage_bytes": row.storage_bytes,
        "task_seconds": round(row.task_seconds, 3),
    }
