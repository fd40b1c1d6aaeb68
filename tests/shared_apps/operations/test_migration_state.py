"""Reading every schema's ledger at once: the same answer by one connection or several,
whatever the order the rows were recorded in."""

import threading

import pytest
from django.db import connection

from shared_apps.operations import migration_state

MISSING = "org_does_not_exist"


def recorded(schema: str) -> frozenset:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return frozenset(tuple(row) for row in cursor.fetchall())


@pytest.mark.django_db
def test_ledgers_read_by_several_connections_match_one(monkeypatch, acme, globex):
    schemas = ["public", acme.schema_name, globex.schema_name, MISSING]
    alone = migration_state.applied_by_schema(schemas)

    readers: list[int] = []
    read = migration_state._digests_on_own_connection

    def spy(using, chunk):
        readers.append(threading.get_ident())
        return read(using, chunk)

    monkeypatch.setattr(migration_state, "_MIN_SCHEMAS_PER_READER", 1)
    monkeypatch.setattr(migration_state, "_digests_on_own_connection", spy)
    together = migration_state.applied_by_schema(schemas, readers=2)

    assert together == alone
    assert MISSING not in together
    assert together[acme.schema_name] == recorded(acme.schema_name)
    assert together["public"] == recorded("public")
    # Two chunks, each read on a connection of its own away from the caller's thread (the
    # executor may run both on one thread when the first ends before the second starts).
    assert len(readers) == 2 and threading.get_ident() not in readers


@pytest.mark.django_db
def test_the_same_migrations_recorded_in_another_order_are_the_same_plan(acme, globex):
    with connection.cursor() as cursor:
        # Acme's first row, deleted and recorded again, is now last in its table.
        cursor.execute(
            f'WITH gone AS (DELETE FROM "{acme.schema_name}".django_migrations WHERE id = '
            f'(SELECT min(id) FROM "{acme.schema_name}".django_migrations) RETURNING *) '
            f'INSERT INTO "{acme.schema_name}".django_migrations (app, name, applied) '
            "SELECT app, name, applied FROM gone"
        )
        cursor.execute(
            f'DELETE FROM "{globex.schema_name}".django_migrations WHERE (app, name) = '
            "('tracker', '0001_initial')"
        )
    plans, _missing = migration_state.plans_for([acme.schema_name, globex.schema_name])

    acme_plan, globex_plan = plans
    assert acme_plan.up_to_date, acme_plan.pending
    assert ("tracker", "0001_initial") in globex_plan.pending
