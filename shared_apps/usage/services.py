"""Copy the meters' totals into `UsageDay` (the periodic `usage.flush` task runs this).

The flush writes each day's running totals, not increments: Redis holds the day's
counters until they expire (USAGE_REDIS_TTL_SECONDS, past the day's end), and a row only
grows (GREATEST), so flushing twice, a crash mid-flush or a lost Redis never makes a
figure go backwards or count twice. Storage is a gauge: the last value recorded that day,
else the previous day's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction

from shared_apps.tenants.models import Organization
from shared_apps.usage import meters

_UPSERT = """
INSERT INTO usage_usageday AS u (organization_id, day, api_calls, events, active_members,
                                 storage_bytes, task_seconds, updated_at)
VALUES (%(organization)s, %(day)s, %(api_calls)s, %(events)s, %(members)s,
        COALESCE(%(storage)s::bigint, (
            SELECT p.storage_bytes FROM usage_usageday p
            WHERE p.organization_id = %(organization)s AND p.day < %(day)s
            ORDER BY p.day DESC LIMIT 1), 0),
        %(task_seconds)s, now())
ON CONFLICT (organization_id, day) DO UPDATE SET
    api_calls = GREATEST(u.api_calls, EXCLUDED.api_calls),
    events = GREATEST(u.events, EXCLUDED.events),
    active_members = GREATEST(u.active_members, EXCLUDED.active_members),
    task_seconds = GREATEST(u.task_seconds, EXCLUDED.task_seconds),
    storage_bytes = COALESCE(%(storage)s::bigint, u.storage_bytes),
    updated_at = now()
"""


def usage_flush(*, limit: int | None = None) -> int:
    """Flush the pending organization-days; return how many rows were written."""
    client = meters.usage_redis()
    pending = client.spop(meters.pending_key(), limit or settings.USAGE_FLUSH_BATCH) or []
    if not pending:
        return 0
    items = [raw.decode().split("/", 1) for raw in pending]
    pipe = client.pipeline(transaction=False)
    for schema, day in items:
        pipe.hgetall(meters.counters_key(schema, day))
        pipe.scard(meters.members_key(schema, day))
    answers = pipe.execute()
    organizations = dict(
        Organization.objects.filter(schema_name__in={schema for schema, _ in items}).values_list(
            "schema_name", "pk"
        )
    )
    written = 0
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for (schema, day), counters, members in zip(
                items, answers[::2], answers[1::2], strict=True
            ):
                if schema not in organizations:
                    continue  # deleted since: its meters expire on their own
                figures = {key.decode(): int(value) for key, value in counters.items()}
                cursor.execute(
                    _UPSERT,
                    {
                        "organization": organizations[schema],
                        "day": day,
                        "api_calls": figures.get("api_calls", 0),
                        "events": figures.get("events", 0),
                        "members": members,
                        "storage": figures.get("storage_bytes"),
                        "task_seconds": figures.get("task_ms", 0) / 1000,
                    },
                )
                written += 1
    except BaseException:
        client.sadd(meters.pending_key(), *pending)  # the next flush tries them again
        raise
    return written
