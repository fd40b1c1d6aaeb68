"""A psycopg pool that hands each organization the connections that served it before.

Why: a PostgreSQL backend caches the catalog entries (relcache, catcache: tables, their
columns, indexes, statistics) of every relation it has planned a query on, per schema.
psycopg_pool's ConnectionPool is first-in first-out, so under load every pooled
connection serves every organization in turn: with 1,000 organizations and 10
connections per process, almost every request meets a backend that has never seen that
organization's tables, and pays for loading them from the catalogs (measured:
docs/deploy.md#serving-benchmark). The same page served from one schema is 2-3 times
cheaper for PostgreSQL.

What: each organization (its schema name) ranks the pool's connections by rendezvous
hashing (highest `hash((schema, backend pid))` first), and takes the best-ranked one that
is free. Each connection so becomes the first choice of a stable 1/n of the
organizations, and only that share moves when a connection is added or replaced. When
every connection is busy, a connection given back goes to the waiting request that ranks
it highest among the first `_WINDOW` waiting, instead of to the first one; a request is
passed over at most `_MAX_PASSED_OVER` times, then served in turn (no starvation; the
pool's own timeout still applies).

What it does not change: which connection serves whom is a matter of speed only. Every
request sets its own search_path on whatever connection it gets (the backend forgets the
applied path when it gives a connection back; tests/shared_apps/tenants/test_db_pool.py),
and the pool's checks, resets, lifetimes and sizes are psycopg_pool's own.

psycopg_pool has no public hook for choosing a connection, so this overrides two of its
internal methods (`_get_ready_connection`, `_add_to_pool`) and replaces its queue of
waiting clients with one that notes what each waits for; it is written against
psycopg-pool 3.3 (uv.lock), and the pool's tests fail if a release changes them
(test_db_pool_affinity.py).
"""

from collections import deque
from contextvars import ContextVar
from typing import Any

from psycopg_pool import ConnectionPool
from psycopg_pool.pool import WaitingClient

# The schema the connection is being taken for, set around getconn() by the backend.
wanted_schema: ContextVar[str | None] = ContextVar("tenantry_pool_wanted_schema", default=None)

# Waiting requests looked at when a connection comes back, and how often one may be
# passed over for a better-matched one behind it.
_WINDOW = 32
_MAX_PASSED_OVER = 4


def _rank(schema: str, conn: Any) -> int:
    return hash((schema, conn.pgconn.backend_pid))


class _Waiting(deque[WaitingClient[Any]]):
    """The pool's queue of waiting clients, which also notes, as each is queued (in the
    requesting thread, inside the pool's lock), the schema it waits for and how often it
    was passed over (WaitingClient has __slots__, so the note is kept here)."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: dict[WaitingClient[Any], list[Any]] = {}

    def append(self, client: WaitingClient[Any]) -> None:
        self.notes[client] = [wanted_schema.get(), 0]
        super().append(client)

    def popleft(self) -> WaitingClient[Any]:
        client = super().popleft()
        self.notes.pop(client, None)
        return client

    def take(self, index: int) -> WaitingClient[Any]:
        client = self[index]
        del self[index]
        self.notes.pop(client, None)
        return client

    def clear(self) -> None:
        super().clear()
        self.notes.clear()


class SchemaAffinePool(ConnectionPool[Any]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting: _Waiting = _Waiting()

    def _get_ready_connection(self, timeout: float | None) -> Any:
        schema = wanted_schema.get()
        if schema is None or len(self._pool) < 2 or (timeout is not None and timeout <= 0.0):
            return super()._get_ready_connection(timeout)
        # Called inside the pool's lock.
        best = max(range(len(self._pool)), key=lambda i: _rank(schema, self._pool[i]))
        conn = self._pool[best]
        del self._pool[best]
        self._nconns_min = min(self._nconns_min, len(self._pool))
        return conn

    def _next_waiting(self, conn: Any) -> WaitingClient[Any]:
        """Take the waiting client `conn` goes to out of the queue (inside the lock)."""
        waiting, notes = self._waiting, self._waiting.notes
        if len(waiting) == 1 or notes[waiting[0]][1] >= _MAX_PASSED_OVER:
            return waiting.popleft()
        best, best_rank = 0, None
        for index in range(min(len(waiting), _WINDOW)):
            schema = notes[waiting[index]][0]
            if schema is None:
                continue
            rank = _rank(schema, conn)
            if best_rank is None or rank > best_rank:
                best, best_rank = index, rank
        for index in range(best):
            notes[waiting[index]][1] += 1
        return waiting.take(best)

    def _add_to_pool(self, conn: Any) -> None:
        # psycopg_pool's own, but for which waiting client gets the connection.
        conn._pool = None
        if self._closed:
            self._close_connection(conn)
            return
        with self._lock:
            if self._closed:
                self._close_connection(conn)
                return
            while self._waiting:
                if self._next_waiting(conn).set(conn):
                    break
            else:
                self._pool.append(conn)
                if self._pool_full_event and len(self._pool) >= self._min_size:
                    self._pool_full_event.set()
