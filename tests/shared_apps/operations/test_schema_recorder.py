"""The executor's recorder looks for django_migrations in the schema it migrates only."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from shared_apps.operations.schema_migration import SchemaRecorder

pytestmark = pytest.mark.django_db


def test_it_finds_the_ledger_of_the_schema_on_the_connection_and_no_other(acme):
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "org_bare"')
    with schema_context(acme.schema_name):
        assert SchemaRecorder(connection).has_table()
    # public has one too, and is on the path of every organization: it doesn't count.
    with schema_context("org_bare"):
        assert not SchemaRecorder(connection).has_table()
        assert SchemaRecorder(connection).applied_migrations() == {}
