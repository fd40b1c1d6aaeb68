"""The backend's two promises: SET only on change, and the tenant follows the context."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection, transaction
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
