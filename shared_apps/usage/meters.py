"""The meters: Redis counters per organization and UTC day, bumped as usage happens.

Why Redis rather than a row per request or per event: a meter is bumped on every API
call and every relay batch, far more often than anyone reads it; an increment is one
pipelined round trip (a counter, the day's member set, the pending set the flush reads)
and no lock on a shared row that every request of a busy organization would queue on.
`services.usage_flush` copies the totals into `UsageDay` every minute.

Metering never fails the work it measures: a Redis error is logged and the unit is lost.
"""

from __future__ import annotations

import datetime
import logging

import redis
from django.conf import settings
from django.utils import timezone

from shared_apps.tenants.redis_clients import shared_client

logger = logging.getLogger(__name__)

COUNTERS = ("api_calls", "events", "task_ms")


def usage_redis() -> redis.Redis:
    return shared_client(settings.USAGE_REDIS_URL)


def pending_key() -> str:
    """The set of `<schema>/<day>` with something the flush has not copied yet."""
    return f"{settings.USAGE_REDIS_PREFIX}pending"


def counters_key(schema: str, day: datetime.date | str) -> str:
    return f"{settings.USAGE_REDIS_PREFIX}{schema}:{day}"


def members_key(schema: str, day: datetime.date | str) -> str:
    return f"{counters_key(schema, day)}:members"


def record_request(*, schema: str, member_id: object, api: bool) -> None:
    """A signed-in member's request on the organization's host (an API call if `api`)."""
    day = _today()
    pipe = usage_redis().pipeline(transaction=False)
    pipe.sadd(members_key(schema, day), str(member_id))
    pipe.expire(members_key(schema, day), settings.USAGE_REDIS_TTL_SECONDS)
    if api:
        pipe.hincrby(counters_key(schema, day), "api_calls", 1)
    _finish(pipe, schema, day)


def record_events(*, schema: str, count: int) -> None:
    """`count` events the relay published and marked sent (after the commit)."""
    _bump(schema, "events", count)


def record_task_seconds(*, schema: str, seconds: float) -> None:
    _bump(schema, "task_ms", round(seconds * 1000))


def record_storage(*, schema: str, size: int) -> None:
    """The organization's stored bytes now (a gauge: the day keeps the last value)."""
    day = _today()
    pipe = usage_redis().pipeline(transaction=False)
    pipe.hset(counters_key(schema, day), "storage_bytes", size)
    _finish(pipe, schema, day)


def _bump(schema: str, field: str, amount: int) -> None:
    day = _today()
    pipe = usage_redis().pipeline(transaction=False)
    pipe.hincrby(counters_key(schema, day), field, amount)
    _finish(pipe, schema, day)


def _finish(pipe: redis.client.Pipeline, schema: str, day: datetime.date) -> None:
    pipe.expire(counters_key(schema, day), settings.USAGE_REDIS_TTL_SECONDS)
    pipe.sadd(pending_key(), f"{schema}/{day}")
    try:
        pipe.execute()
    except redis.RedisError:
        logger.warning("Usage not recorded for %s (Redis unavailable)", schema, exc_info=True)


def _today() -> datetime.date:
    return timezone.now().astimezone(datetime.UTC).date()
