"""A PostgreSQL advisory lock so that two deploys never migrate at once.

The lock is held by a session of its own (outside the connection pool), opened for the
purpose and closed at the end:
a session-level advisory lock outlives transactions and rollbacks, and PostgreSQL
releases it by itself if the process dies, so a crashed deploy never leaves it behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS
from django.db.backends.base.base import BaseDatabaseWrapper

from shared_apps.operations.connections import unpooled_connection
from shared_apps.tenants.locks import MIGRATION_LOCK_KEY

_APPLICATION_NAME = "tenantry migrate_tenants"
_POLL_SECONDS = 0.5


class MigrationLockBusy(Exception):
    """Another run holds the migration lock; the message says who and since when."""


@contextmanager
def migration_lock(
    *,
    wait_seconds: float,
    on_wait: Callable[[str], None] = lambda _message: None,
    using: str = DEFAULT_DB_ALIAS,
) -> Iterator[None]:
    """Hold the migration lock for the block; wait up to `wait_seconds` (0: don't wait).

    Raises MigrationLockBusy when it is still held by someone else after that.
    """
    session = unpooled_connection(using)
    try:
        with session.cursor() as cursor:
            cursor.execute("SELECT set_config('application_name', %s, false)", [_APPLICATION_NAME])
        deadline = time.monotonic() + max(0.0, wait_seconds)
        told = False
        while not _try_lock(session):
            holder = _holder(session)
            if time.monotonic() >= deadline:
                waited = f" after waiting {wait_seconds:g} s" if wait_seconds > 0 else ""
                raise MigrationLockBusy(
                    f"Another migration run holds the lock ({holder}){waited}. "
                    "Two deploys must not migrate at once: let it finish, then run again."
                )
            if not told:
                on_wait(f"Waiting up to {wait_seconds:g} s for another migration run ({holder}).")
                told = True
            time.sleep(_POLL_SECONDS)
        yield
    finally:
        # Closing the session releases the lock.
        session.close()


def _try_lock(session: BaseDatabaseWrapper) -> bool:
    with session.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _holder(session: BaseDatabaseWrapper) -> str:
    with session.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.pid, a.application_name, coalesce(host(a.client_addr), 'local socket'),
                   extract(epoch FROM now() - a.backend_start)::int
            FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0
              AND l.objid = %s AND l.objsubid = 1
            """,
            [MIGRATION_LOCK_KEY],
        )
        row = cursor.fetchone()
    if row is None:
        return "it was just released"
    pid, application, client, seconds = row
    return f"server pid {pid}, {application or 'unnamed client'} from {client}, for {seconds} s"
