"""No tenant table has a foreign key outside its own schema (what lets Citus place each
schema on one worker, and export/restore work), checked on every schema here."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_no_foreign_key_leaves_its_schema(acme, globex):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname || '.' || c.relname, fn.nspname || '.' || f.relname, k.conname"
            " FROM pg_constraint k"
            " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " JOIN pg_class f ON f.oid = k.confrelid"
            " JOIN pg_namespace fn ON fn.oid = f.relnamespace"
            " WHERE k.contype = 'f' AND n.nspname <> 'public' AND n.nspname <> fn.nspname"
        )
        crossing = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE k.contype = 'f' AND n.nspname = ANY(%s)",
            [[acme.schema_name, globex.schema_name, "tenant_template"]],
        )
        checked = cursor.fetchone()[0]
    assert checked > 10  # the query sees the tenant schemas' keys
    assert crossing == []
