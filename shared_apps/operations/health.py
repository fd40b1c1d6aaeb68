"""Readiness: can this process serve? Database, Redis, the Celery broker, and no schema
with pending migrations.

The migrations part reads every schema's django_migrations (one query) and is kept for
READINESS_CACHE_SECONDS in process memory, not in Redis, so that it still answers when
Redis is the thing that is down. The connectivity checks run on every probe: each is one
round trip with a short timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from kombu import Connection as BrokerConnection

logger = logging.getLogger(__name__)

OK = "ok"
_TIMEOUT_SECONDS = 2

_migrations_lock = threading.Lock()
_migrations_answer: tuple[float, str] | None = None


def check_database(database: BaseDatabaseWrapper = connection) -> str:
    """SELECT 1, waiting at most _TIMEOUT_SECONDS for a connection.

    With Django's psycopg pool (production), database.cursor() would wait the pool's own
    timeout (DATABASE_POOL_TIMEOUT) for a connection when PostgreSQL is down; the probe
    asks the pool itself for one with the checks' short timeout instead.
    """
    pool = getattr(database, "pool", None)
    if pool is None:
        with database.cursor() as cursor:
            cursor.execute("SELECT 1")
        return OK
    pool.open()  # as Django does on first use; a no-op once open
    with pool.connection(timeout=_TIMEOUT_SECONDS) as pooled, pooled.cursor() as cursor:
        cursor.execute("SELECT 1")
    return OK


def check_redis() -> str:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=_TIMEOUT_SECONDS, socket_timeout=_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()
    return OK


def check_broker() -> str:
    with BrokerConnection(
        settings.CELERY_BROKER_URL,
        connect_timeout=_TIMEOUT_SECONDS,
        transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
    ) as broker:
        broker.ensure_connection(max_retries=1, timeout=_TIMEOUT_SECONDS)
    return OK


def check_migrations() -> str:
    """OK, or how many schemas have pending migrations (names go to the log, not out)."""
    global _migrations_answer
    with _migrations_lock:
        now = time.monotonic()
        if _migrations_answer is not None and _migrations_answer[0] > now:
            return _migrations_answer[1]
        from shared_apps.operations.migration_runner import pending_migrations

        pending = pending_migrations().pending
        if pending:
            logger.warning(
                "not ready: pending migrations in %s", ", ".join(plan.schema for plan in pending)
            )
            answer = f"pending in {len(pending)} schema(s)"
        else:
            answer = OK
        _migrations_answer = (now + settings.READINESS_CACHE_SECONDS, answer)
        return answer


def forget_cached_readiness() -> None:
    global _migrations_answer
    with _migrations_lock:
        _migrations_answer = None


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "redis": check_redis,
    "broker": check_broker,
    "migrations": check_migrations,
}


def readiness() -> tuple[bool, dict[str, str]]:
    """(ready, {check: "ok" or what is wrong}); errors are logged, only their kind shown."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:
            logger.warning("readiness check %s failed: %s", name, error)
            results[name] = f"unavailable ({type(error).__name__})"
        if name == "database" and results[name] != OK:
            results["migrations"] = "unknown (no database)"
            break
    return all(value == OK for value in results.values()), results
