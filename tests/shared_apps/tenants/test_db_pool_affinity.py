"""The schema-affine pool (shared_apps/tenants/db/pool.py): an organization gets back the
connection that served it, a connection given back goes to the waiting request it suits
best, nobody waits forever for it, and affinity never lets one organization see another's
rows (each request still sets its own search_path on whatever connection it gets).

psycopg_pool's own ConnectionPool is first-in first-out: the same organization asking
three times in a row from three idle connections gets three different ones, and a
connection given back goes to the request that waited longest. Each test below fails
with it.
"""

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections
from django.db.utils import load_backend

from shared_apps.tenants.db.pool import _MAX_PASSED_OVER, SchemaAffinePool, _rank, wanted_schema
from tests.shared_apps.tenants.test_db_pool import _request, in_own_thread

pytestmark = pytest.mark.django_db
_aliases = itertools.count()


@pytest.fixture
def pooled_by_size(db: None) -> Iterator[Callable[[int], Callable[[], Any]]]:
    """pooled_by_size(n)() → a new wrapper (as for a new request's thread) on a
    schema-affine pool of n connections, all open before the first request
    (`affinity=None`: the pool options name no affinity, as by default)."""
    settings_dict = connections["default"].settings_dict
    options = {k: v for k, v in settings_dict["OPTIONS"].items() if k != "pool"}
    backend = load_backend(settings_dict["ENGINE"])
    made: list[Any] = []

    def of_size(size: int, affinity: bool | None = True) -> Callable[[], Any]:
        pool = {"min_size": size, "max_size": size, "timeout": 5}
        if affinity is not None:
            pool["schema_affinity"] = affinity
        pooled_settings = {**settings_dict, "CONN_MAX_AGE": 0, "OPTIONS": {**options, "pool": pool}}
        alias = f"affine_{next(_aliases)}"

        def wrapper() -> Any:
            made.append(backend.DatabaseWrapper(pooled_settings, alias))
            return made[-1]

        wrapper().pool.open(wait=True, timeout=10)
        return wrapper

    yield of_size
    for pool in {id(w.pool): w.pool for w in made}.values():
        pool.close()


def test_the_backend_makes_a_schema_affine_pool_when_asked(pooled_by_size):
    assert isinstance(pooled_by_size(1)().pool, SchemaAffinePool)


def test_by_default_the_settings_ask_for_a_schema_affine_pool():
    """DATABASE_POOL_SCHEMA_AFFINITY is on by default (docs/deploy.md says why)."""
    from django.conf import settings

    assert settings.DATABASE_POOL_SCHEMA_AFFINITY is True


def test_pool_options_without_affinity_make_psycopgs_own_pool(pooled_by_size):
    from psycopg_pool import ConnectionPool

    assert type(pooled_by_size(1, affinity=None)().pool) is ConnectionPool
    assert type(pooled_by_size(1, affinity=False)().pool) is ConnectionPool


def test_an_organization_gets_the_connection_that_served_it(pooled_by_size, acme, globex):
    new_wrapper = pooled_by_size(3)
    acme_pids = [in_own_thread(lambda: _request(new_wrapper(), acme))[0] for _ in range(4)]
    globex_pids = [in_own_thread(lambda: _request(new_wrapper(), globex))[0] for _ in range(4)]

    assert len(set(acme_pids)) == 1, acme_pids
    assert len(set(globex_pids)) == 1, globex_pids


def test_affinity_never_shows_one_organization_anothers_rows(pooled_by_size, acme, globex):
    """Requests of both organizations, some holding their connection while others run, so
    each organization is served on every connection, the other's favourite included:
    every one of them reads its own schema and its own rows only."""
    new_wrapper = pooled_by_size(2)
    seen: list[tuple[str, int, list[str], list[str]]] = []
    lock = threading.Lock()

    def request(organization: Any, got: threading.Event, hold: threading.Event) -> None:
        wrapper = new_wrapper()
        wrapper.set_tenant(organization)
        try:
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid(), current_schemas(false)")
                pid, schemas = cursor.fetchone()
                got.set()
                hold.wait(10)
                cursor.execute("SELECT email FROM accounts_user ORDER BY email")
                emails = [row[0] for row in cursor.fetchall()]
            with lock:
                seen.append((organization.schema_name, pid, schemas, emails))
        finally:
            wrapper.close()

    def run(organization: Any) -> None:
        done = threading.Event()
        done.set()
        in_own_thread(lambda: request(organization, threading.Event(), done))

    for first, second in [(acme, globex), (globex, acme)] * 3:
        # `first` holds its preferred connection, so its next request and `second`'s get
        # the other one: each organization is served on both connections, in turn with
        # the other; then each runs once more with both free.
        got, release = threading.Event(), threading.Event()
        holder = threading.Thread(target=request, args=(first, got, release))
        holder.start()
        got.wait(10)
        run(first)
        run(second)
        release.set()
        holder.join(10)
        run(first)
        run(second)

    expected = {
        acme.schema_name: (["org_acme", "public"], ["owner@acme.test"]),
        globex.schema_name: (["org_globex", "public"], ["owner@globex.test"]),
    }
    for schema, _pid, schemas, emails in seen:
        assert (schemas, emails) == expected[schema]
    pids_of = {s: {pid for schema, pid, *_ in seen if schema == s} for s in expected}
    # The test did what it says: some connection served both organizations.
    assert pids_of[acme.schema_name] & pids_of[globex.schema_name]


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the pool never got there"
        time.sleep(0.01)


def _waiting(pool: SchemaAffinePool) -> int:
    return pool.get_stats()["requests_waiting"]


def _preferring(first: Any, second: Any) -> str:
    """A schema name that ranks connection `first` above `second`."""
    return next(
        name
        for name in (f"org_other_{i}" for i in itertools.count())
        if _rank(name, first) > _rank(name, second)
    )


def _take(pool: SchemaAffinePool, schema: str, served: list[str]) -> None:
    """One request for `schema`: takes a connection, notes it was served, gives it back."""
    token = wanted_schema.set(schema)
    try:
        conn = pool.getconn(timeout=10)
    finally:
        wanted_schema.reset(token)
    served.append(schema)
    pool.putconn(conn)


def _queue(pool: SchemaAffinePool, schemas: list[str], served: list[str]) -> list[Any]:
    """A request per schema, in that order, each waiting in the pool's queue."""
    threads = []
    for schema in schemas:
        threads.append(threading.Thread(target=_take, args=(pool, schema, served)))
        threads[-1].start()
        count = len(threads)
        _wait_until(lambda: _waiting(pool) == count)  # noqa: B023 (called at once)
    return threads


def test_a_connection_given_back_goes_to_the_waiting_request_it_suits(pooled_by_size):
    pool = pooled_by_size(2)().pool
    a, b = pool.getconn(), pool.getconn()
    early, late = _preferring(b, a), _preferring(a, b)
    served: list[str] = []
    threads = _queue(pool, [early, late], served)

    pool.putconn(a)  # each one served gives it straight back
    for thread in threads:
        thread.join(10)
    pool.putconn(b)

    # `late` waited less, but `a` is its first choice and only `early`'s second.
    assert served == [late, early]


def test_a_waiting_request_is_passed_over_a_bounded_number_of_times(pooled_by_size):
    pool = pooled_by_size(2)().pool
    a, b = pool.getconn(), pool.getconn()
    early, late = _preferring(b, a), _preferring(a, b)
    bound = _MAX_PASSED_OVER * pool.max_size
    served: list[str] = []
    threads = _queue(pool, [early] + [late] * (bound + 2), served)

    pool.putconn(a)  # each one served gives it straight back; `b` stays out
    for thread in threads:
        thread.join(10)
    pool.putconn(b)

    assert served.index(early) == bound
    assert len(served) == len(threads)


def test_replaced_connections_leave_the_ranking(pooled_by_size, acme):
    """drain() closes every idle connection and opens new ones: the rankings then cover
    the new connections only, and an organization again gets one of them every time."""
    new_wrapper = pooled_by_size(2)
    pool = new_wrapper().pool
    before = {conn.pgconn.backend_pid for conn in pool._pool}

    pool.drain()
    _wait_until(lambda: len(pool._pool) == 2)
    after = {conn.pgconn.backend_pid for conn in pool._pool}
    acme_pids = {in_own_thread(lambda: _request(new_wrapper(), acme))[0] for _ in range(3)}

    assert not before & after
    assert set(pool._pids) == after
    assert len(acme_pids) == 1 and acme_pids <= after
