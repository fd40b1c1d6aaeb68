"""A psycopg pool that hands each organization the connections that served it before.

Why: a PostgreSQL backend caches the catalog entries (relcache, catcache: tables, their
columns, indexes, statistics) of every relation it has planned a query on, per schema.
psycopg_pool's ConnectionPool is first-in first-out, so under load every pooled
connection serves every organization in turn: with 1,000 organizations and 10
connections per process, most requests meet a backend that has not yet seen that
organization's tables (until every backend has seen every organization) and pay for
loading them from the catalogs: 0.8-0.95 ms of backend CPU for the tracker page
(tests/bench/bench_schema_caches.py). In the serving benchmark the page costs
PostgreSQL 2.2-3.0 ms per request at 1,000 organizations, 0.8-1.1 ms from one schema
(docs/deploy.md#serving-benchmark).

What: each organization (its schema name) ranks the pool's connections by rendezvous
hashing (highest `hash((schema, backend pid))` first), and takes the best-ranked one that
is free. Each connection so becomes the first choice of a stable 1/n of the
organizations, and only that share moves when a connection is added or replaced. When
every connection is busy (the usual case under load: a request holds its connection to
the end), a connection given back goes to the waiting request that ranks it best (its
first choice, else its second...), the longest waiting of those, among the first
`_WINDOW`; the first in the queue is passed over at most `_MAX_PASSED_OVER` x max_size
times, then served (no starvation; the pool's own timeout still applies). With 32
threads on 10 connections, 80-85% of requests get their first-choice connection (10%
first in first out); with fewer requests than connections, about 60%.

On unless DATABASE_POOL_SCHEMA_AFFINITY=false. In the serving benchmark (1,000
organizations, PostgreSQL sized for them) it cut the backends' CPU per request from
1.48 to 1.06 ms and raised throughput from 0.83x to 0.94x of the plain control; p99
latency rose (a request can be passed over for better-matched ones: 1.07 -> 1.70 s at
64 connections on 2 cores). docs/deploy.md#serving-benchmark.

What it does not change: which connection serves whom is a matter of speed only. Every
request sets its own search_path on whatever connection it gets (the backend forgets the
applied path when it gives a connection back; tests/shared_apps/tenants/test_db_pool.py),
and the pool's checks, resets, lifetimes and sizes are psycopg_pool's own.

psycopg_pool has no public hook for choosing a connection, so this overrides three of its
internal methods (`_get_ready_connection`, `_add_to_pool`, `_close_connection`) and
replaces its queue of waiting clients with one that notes what each waits for; it is
written against psycopg-pool 3.3 (uv.lock), and the pool's tests fail if a release
changes them (test_db_pool_affinity.py).
"""

from collections import deque
from contextvars import ContextVar
from time import monotonic
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool
from psycopg_pool.pool import WaitingClient

# The schema the connection is being taken for, set around getconn() by the backend.
wanted_schema: ContextVar[str | None] = ContextVar("tenantry_pool_wanted_schema", default=None)

# Waiting requests looked at when a connection comes back; how often one may be passed
# over for better-matched ones behind it (times the pool's max_size: about as often as
# every connection comes back twice); seconds after which a connection not given back is
# no longer ranked.
_WINDOW = 64
_MAX_PASSED_OVER = 2
_FORGET_AFTER = 300.0


def _rank(schema: str, conn: Any) -> int:
    return hash((schema, conn.pgconn.backend_pid))


class _Waiting(deque[WaitingClient[Any]]):
    """The pool's queue of waiting clients, which also notes, as each is queued (in the
    requesting thread, inside the pool's lock), the schema it waits for, how often it was
    passed over, and its ranking of the connections (WaitingClient has __slots__, so the notes
    are kept here)."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: dict[WaitingClient[Any], list[Any]] = {}

    def append(self, client: WaitingClient[Any]) -> None:
        # [schema, times passed over, its ranking of the connections, of which set of them]
        self.notes[client] = [wanted_schema.get(), 0, None, None]
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
        # Backend pids of the pool's connections (idle or lent), when each was last given
        # back; a connection closed by the pool leaves at once, one lost otherwise after
        # _FORGET_AFTER seconds. `_members` changes whenever the set does.
        self._pids: dict[int, float] = {}
        self._members = object()

    def _get_ready_connection(self, timeout: float | None) -> Any:
        schema = wanted_schema.get()
        if schema is None or len(self._pool) < 2 or (timeout is not None and timeout <= 0.0):
            return super()._get_ready_connection(timeout)
        # Called inside the pool's lock: the free connection that ranks highest.
        best = max(range(len(self._pool)), key=lambda i: _rank(schema, self._pool[i]))
        conn = self._pool[best]
        del self._pool[best]
        self._nconns_min = min(self._nconns_min, len(self._pool))
        return conn

    def _ranking(self, note: list[Any]) -> dict[int, int]:
        """backend pid → its place in the waiting client's ranking (0 = best)."""
        if note[3] is not self._members:
            schema = note[0]
            ranked = [] if schema is None else sorted(self._pids, key=lambda p: -hash((schema, p)))
            note[2], note[3] = {pid: place for place, pid in enumerate(ranked)}, self._members
        return note[2]

    def _next_waiting(self, conn: Any) -> WaitingClient[Any]:
        """Take the waiting client `conn` goes to out of the queue (inside the lock): the
        one that ranks it best (its first choice, else its second...), the longest
        waiting of those."""
        waiting, notes = self._waiting, self._waiting.notes
        if len(waiting) == 1 or notes[waiting[0]][1] >= _MAX_PASSED_OVER * self.max_size:
            return waiting.popleft()
        pid, unranked = conn.pgconn.backend_pid, len(self._pids)
        best, best_place = 0, unranked + 1
        for index in range(min(len(waiting), _WINDOW)):
            place = self._ranking(notes[waiting[index]]).get(pid, unranked)
            if place < best_place:
                best, best_place = index, place
                if place == 0:
                    break
        for ahead in range(best):
            notes[waiting[ahead]][1] += 1
        return waiting.take(best)

    def _note_member(self, conn: Any) -> None:
        # `_pids` is replaced, not resized, when its members change (copy on write), so
        # that _close_connection, which runs without the lock, never resizes a dict
        # another thread is iterating.
        now, pids = monotonic(), self._pids
        pid = conn.pgconn.backend_pid
        if pid in pids and min(pids.values()) >= now - _FORGET_AFTER:
            pids[pid] = now
            return
        kept = {p: seen for p, seen in pids.items() if seen >= now - _FORGET_AFTER}
        self._pids, self._members = {**kept, pid: now}, object()

    def _close_connection(self, conn: Any) -> None:
        # Called with and without the pool's lock held (a plain Lock): no locking here.
        # A racing change can only leave a waiting client's cached ranking stale, which
        # costs a better match, never a wrong connection.
        pids = self._pids
        try:
            pid = conn.pgconn.backend_pid
        except psycopg.Error:  # closed elsewhere: forgotten after _FORGET_AFTER
            pid = None
        if pid is not None and pid in pids:
            self._pids = {p: seen for p, seen in pids.items() if p != pid}
            self._members = object()
        super()._close_connection(conn)

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
            self._note_member(conn)
            while self._waiting:
                if self._next_waiting(conn).set(conn):
                    break
            else:
                self._pool.append(conn)
                if self._pool_full_event and len(self._pool) >= self._min_size:
                    self._pool_full_event.set()
