"""The backend's two promises: SET only on change, and the tenant follows the context."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def _current_schema_in_a_fresh_connection() -> str:
    """Runs in a worker thread, on that thread's own connection."""
    from django.db import connection as thread_connection

    try:
        with thread_connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            return cursor.fetchone()[0]
    finally:
        thread_connection.close()


def _sets(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("SET search_path")]


def test_repeated_queries_for_one_tenant_send_one_set(acme):
    connection.set_tenant(acme)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            connection.set_schema_to_public()
            connection.set_tenant(acme)
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
    assert len(_sets(queries)) <= 1


def test_a_rolled_back_set_is_sent_again(acme, globex):
    connection.set_tenant(acme)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    try:
        with transaction.atomic():
            connection.set_tenant(globex)
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    # The server undid the SET with the savepoint; the connection must not trust it.
    connection.set_tenant(globex)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        assert cursor.fetchone()[0] == "org_globex"


def test_orm_in_a_thread_pool_thread_uses_the_callers_organization(acme):
    connection.set_tenant(acme)
    read = sync_to_async(_current_schema_in_a_fresh_connection, thread_sensitive=False)
    assert async_to_sync(read)() == "org_acme"


def test_interleaved_async_tasks_each_query_their_own_organization(acme, globex):
    read = sync_to_async(_current_schema_in_a_fresh_connection, thread_sensitive=False)

    async def work_as(organization, turns: int) -> list[str]:
        connection.set_tenant(organization)  # binds this task's context only
        seen = []
        for _ in range(turns):
            seen.append(await read())
            await asyncio.sleep(0)
        return seen

    async def both() -> tuple[list[str], list[str]]:
        return await asyncio.gather(work_as(acme, 4), work_as(globex, 4))

    acme_seen, globex_seen = async_to_sync(both)()
    assert acme_seen == ["org_acme"] * 4
    assert globex_seen == ["org_globex"] * 4
    assert connection.schema_name == "public"  # the tasks' bindings did not leak out


# --- The SET travels with the statement that needs it ----------------------------------


def _round_trips(monkeypatch) -> list[str]:
    """Every message the connection's cursors send to the server, in order."""
    from django.db.backends.postgresql import base as postgresql_backend

    sent: list[str] = []
    original = postgresql_backend.Cursor.execute

    def counting(cursor, query, params=None, **kwargs):
        sent.append(str(query))
        return original(cursor, query, params, **kwargs)

    monkeypatch.setattr(postgresql_backend.Cursor, "execute", counting)
    return sent


def _schema_now() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


def test_switching_organization_costs_no_extra_round_trip(acme, globex, monkeypatch):
    connection.set_tenant(acme)
    assert _schema_now() == "org_acme"
    sent = _round_trips(monkeypatch)
    connection.set_tenant(globex)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema(), %s", ["x"])
        assert cursor.fetchall() == [("org_globex", "x")]
    assert len(sent) == 1
    assert sent[0].startswith('SET search_path = "org_globex","public";')


def test_row_counts_are_the_statements_not_the_sets(acme, globex, in_schema):
    with in_schema(globex):
        from tenant_apps.tracker.models import Project

        Project.objects.create(name="a")
        Project.objects.create(name="b")
    connection.set_tenant(acme)
    _schema_now()
    connection.set_tenant(globex)
    assert Project.objects.update(name="c") == 2


def test_a_cursor_closed_before_its_statement_leaves_no_wrong_schema(acme, globex):
    connection.set_tenant(acme)
    _schema_now()
    connection.set_tenant(globex)
    connection.cursor().close()  # took the pending SET with it, unsent
    assert _schema_now() == "org_globex"


def test_a_second_cursor_used_first_still_gets_the_schema(acme, globex):
    connection.set_tenant(acme)
    _schema_now()
    connection.set_tenant(globex)
    first = connection.cursor()  # holds the pending SET
    with connection.cursor() as second:
        second.execute("SELECT current_schema()")
        assert second.fetchone()[0] == "org_globex"
    first.execute("SELECT current_schema()")
    assert first.fetchone()[0] == "org_globex"
    first.close()


def test_a_failed_statement_takes_the_set_with_it_and_the_next_query_is_right(acme, globex):
    connection.set_tenant(acme)
    _schema_now()
    connection.set_tenant(globex)
    with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM tracker_project")
    assert _schema_now() == "org_globex"


def test_copy_after_a_switch_reads_the_new_schema(acme, globex, in_schema):
    from tenant_apps.tracker.models import Project

    with in_schema(globex):
        Project.objects.create(name="globex only")
    connection.set_tenant(acme)
    _schema_now()
    connection.set_tenant(globex)
    with (
        connection.cursor() as cursor,
        cursor.copy("COPY tracker_project (name) TO STDOUT") as copy,
    ):
        data = b"".join(bytes(chunk) for chunk in copy)
    assert data == b"globex only\n"


@pytest.mark.parametrize("limit_set_calls", [False, True])
def test_server_side_iterator_after_a_switch_reads_the_new_schema(
    acme, globex, in_schema, settings, limit_set_calls
):
    """django-tenants' test_iterator_is_tenant_scoped_with_limited_set_calls, on our backend."""
    from tenant_apps.tracker.models import Project

    settings.TENANT_LIMIT_SET_CALLS = limit_set_calls
    with in_schema(acme):
        Project.objects.create(name="acme only")
    with in_schema(globex):
        Project.objects.create(name="globex only")
    connection.set_tenant(acme)
    assert [p.name for p in Project.objects.iterator(chunk_size=10)] == ["acme only"]
    connection.set_tenant(globex)
    with transaction.atomic():  # a server-side cursor lives inside a transaction
        assert [p.name for p in Project.objects.iterator(chunk_size=10)] == ["globex only"]
