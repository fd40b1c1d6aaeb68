"""search_path bookkeeping with Django's psycopg pool: a pooled connection that served one
organization serves the next one right, including after a request that failed mid-way.

The pool has one connection (max_size=1), so every user below gets the same physical
connection (asserted through pg_backend_pid()); each "request" runs in a thread of its own
with its own DatabaseWrapper, as under ASGI. The organizations' owners were
committed at session start, so another connection sees them: each schema's user table
holds only its own owner.
"""

import itertools
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import DatabaseError, connections
from django.db.utils import load_backend

pytestmark = pytest.mark.django_db
_aliases = itertools.count()


@pytest.fixture
def pooled(db: None) -> Iterator[Callable[[], Any]]:
    """pooled() → this thread's connection to a pool that holds one connection.

    Its alias is kept out of django.db.connections (the test case forbids unlisted ones),
    so each thread's wrapper is kept here, as the connection handler would keep it.
    """
    settings_dict = connections["default"].settings_dict
    options = {k: v for k, v in settings_dict["OPTIONS"].items() if k != "pool"}
    pooled_settings = {
        **settings_dict,
        "CONN_MAX_AGE": 0,
        "OPTIONS": {**options, "pool": {"min_size": 1, "max_size": 1, "timeout": 5}},
    }
    backend = load_backend(settings_dict["ENGINE"])
    alias = f"pooled_{next(_aliases)}"
    per_thread = threading.local()
    made: list[Any] = []

    def this_threads() -> Any:
        if not hasattr(per_thread, "wrapper"):
            per_thread.wrapper = backend.DatabaseWrapper(pooled_settings, alias)
            made.append(per_thread.wrapper)
        return per_thread.wrapper

    yield this_threads
    made[0].close_pool()


def in_own_thread(function: Callable[[], Any]) -> Any:
    """Runs `function` in a new thread (a context of its own), returns or raises its result."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _sees(wrapper: Any) -> tuple[int, list[str], list[str]]:
    """(backend pid, current_schemas(false), the emails in the user table it reads)."""
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_schemas(false)")
        pid, schemas = cursor.fetchone()
        cursor.execute("SELECT email FROM accounts_user ORDER BY email")
        return pid, schemas, [row[0] for row in cursor.fetchall()]


def _request(wrapper: Any, organization: Any) -> tuple[int, list[str], list[str]]:
    """One request's use of a connection: bound to the organization, then returned."""
    wrapper.set_tenant(organization)
    try:
        return _sees(wrapper)
    finally:
        wrapper.close()


def test_a_pooled_connection_used_by_acme_then_serves_globex_only_globex_rows(pooled, acme, globex):
    acme_pid, acme_schemas, acme_emails = in_own_thread(lambda: _request(pooled(), acme))
    globex_pid, globex_schemas, globex_emails = in_own_thread(lambda: _request(pooled(), globex))

    assert globex_pid == acme_pid  # the same physical connection
    assert acme_schemas == ["org_acme", "public"] and acme_emails == ["owner@acme.test"]
    assert globex_schemas == ["org_globex", "public"]
    assert globex_emails == ["owner@globex.test"]


def test_a_connection_back_from_another_organization_is_set_again(pooled, acme, globex):
    """One wrapper (one thread's connection) serves Acme, gives its connection back, and
    Globex is served on it meanwhile; when the wrapper connects again for Acme, the path
    it remembers setting is gone from the server."""

    def acme_twice() -> tuple:
        first = _request(pooled(), acme)
        in_own_thread(lambda: _request(pooled(), globex))
        return first, _request(pooled(), acme)  # this thread's wrapper again

    first, second = in_own_thread(acme_twice)

    assert second[0] == first[0]
    assert second[1:] == (["org_acme", "public"], ["owner@acme.test"])


def test_after_a_request_that_failed_mid_transaction_the_next_user_sees_its_schema(
    pooled, acme, globex
):
    in_own_thread(lambda: _request(pooled(), globex))  # the server holds Globex's path

    def failing_acme_request() -> tuple:
        wrapper = pooled()
        wrapper.set_tenant(acme)
        try:
            # What transaction.atomic() does around a block that raises. The SET of Acme's
            # path travels inside this transaction, which then fails: PostgreSQL rolls
            # the SET back with it, and the server holds Globex's path again.
            wrapper.set_autocommit(False)
            assert _sees(wrapper)[2] == ["owner@acme.test"]
            with pytest.raises(DatabaseError), wrapper.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table")
            wrapper.rollback()
            wrapper.set_autocommit(True)
            return _sees(wrapper)  # the same request goes on after the error
        finally:
            wrapper.close()

    after_error = in_own_thread(failing_acme_request)
    next_acme = in_own_thread(lambda: _request(pooled(), acme))
    next_globex = in_own_thread(lambda: _request(pooled(), globex))

    assert after_error[1:] == (["org_acme", "public"], ["owner@acme.test"])
    assert next_acme[1:] == (["org_acme", "public"], ["owner@acme.test"])
    assert next_globex[1:] == (["org_globex", "public"], ["owner@globex.test"])
    assert after_error[0] == next_acme[0] == next_globex[0]


def test_a_connection_returned_inside_a_transaction_is_set_again(pooled, acme, globex):
    """A request whose connection is closed inside a transaction (the pool rolls it back
    on return, undoing the SET made in it): the next user of that connection still gets
    its own path."""
    in_own_thread(lambda: _request(pooled(), globex))

    def abandoned_acme_transaction() -> None:
        wrapper = pooled()
        wrapper.set_tenant(acme)
        wrapper.set_autocommit(False)
        assert _sees(wrapper)[1] == ["org_acme", "public"]
        wrapper.close()  # mid-transaction: the pool rolls it back, SET included

    in_own_thread(abandoned_acme_transaction)

    def acme_then_globex() -> tuple:
        return _request(pooled(), acme), in_own_thread(lambda: _request(pooled(), globex))

    acme_view, globex_view = in_own_thread(acme_then_globex)
    assert acme_view[1:] == (["org_acme", "public"], ["owner@acme.test"])
    assert globex_view[1:] == (["org_globex", "public"], ["owner@globex.test"])
