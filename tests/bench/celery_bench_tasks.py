"""The benchmark's task on Tenantry's app: no tenant argument, runs in the queuing schema."""

import redis
from django.conf import settings
from django.db import connection

from config.celery import app

DONE_KEY = "bench-celery:done"
_redis: redis.Redis | None = None


def _count_done() -> None:
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(settings.TENANT_ROUTING_REDIS_URL)
    _redis.incr(DONE_KEY)


@app.task(name="bench.tenant_count")
def tenant_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tracker_project")
        (count,) = cursor.fetchone()
    _count_done()
    return count
