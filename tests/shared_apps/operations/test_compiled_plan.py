"""The fast path's message: one round trip per schema, and never in another schema."""

import re

import pytest
from django.db import DatabaseError, connection, migrations, models, transaction

from shared_apps.operations.compiled_plan import (
    CompiledPlan,
    changes_models,
    migrate_schema_compiled,
    migrate_schemas_compiled,
    recording_differences,
)

pytestmark = pytest.mark.django_db

PLAN = CompiledPlan(
    pending=(("deploy_probe", "0099_fast_path_probe"),),
    body='CREATE TABLE "fast_path_probe" ("id" integer);\n'
    'INSERT INTO "django_migrations" ("app", "name", "applied")'
    " VALUES ('deploy_probe', '0099_fast_path_probe', clock_timestamp())",
    ledger_keys="('deploy_probe', '0099_fast_path_probe')",
    statements=2,
    pilots=("org_a", "org_b"),
)


def tables_named(name: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT schemaname FROM pg_tables WHERE tablename = %s", [name])
        return sorted(schema for (schema,) in cursor.fetchall())


def test_a_schema_gets_the_plan_and_its_ledger_row_in_one_statement(acme):
    sent = []

    def count(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        outcome = migrate_schema_compiled(acme.schema_name, PLAN)

    assert outcome.path == "fast path" and not outcome.failed, outcome
    assert len(sent) == 1 and sent[0].startswith('SET LOCAL search_path = "org_acme", public;')
    assert tables_named("fast_path_probe") == [acme.schema_name]
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT app, name FROM "{acme.schema_name}".django_migrations WHERE name = %s',
            ["0099_fast_path_probe"],
        )
        assert cursor.fetchall() == [("deploy_probe", "0099_fast_path_probe")]


def test_inside_a_transaction_a_batch_sends_one_message_per_schema_each_into_its_own_schema(
    acme, globex
):
    # (Outside one, the whole batch goes in one message: tests/deploy/test_fast_path.py.)
    sent = []

    def count(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        outcomes = migrate_schemas_compiled([acme.schema_name, globex.schema_name], PLAN)

    assert [(o.schema, o.path) for o in outcomes] == [
        (acme.schema_name, "fast path"),
        (globex.schema_name, "fast path"),
    ]
    assert [sql.split(";")[0] for sql in sent] == [
        f'SET LOCAL search_path = "{acme.schema_name}", public',
        f'SET LOCAL search_path = "{globex.schema_name}", public',
    ]
    assert tables_named("fast_path_probe") == sorted([acme.schema_name, globex.schema_name])


def test_a_schema_that_is_not_there_gets_nothing_not_even_in_public():
    # PostgreSQL skips a missing schema in search_path: without the guard the table
    # would be created in public.
    refused = pytest.raises(DatabaseError, match='schema "org_gone" does not exist')
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PLAN.message_for("org_gone", connection))
    assert tables_named("fast_path_probe") == []


def test_a_schema_that_recorded_a_migration_of_the_plan_gets_nothing(acme):
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{acme.schema_name}".django_migrations (app, name, applied)'
            " VALUES ('deploy_probe', '0099_fast_path_probe', now())"
        )
    refused = pytest.raises(
        DatabaseError, match=re.escape("deploy_probe.0099_fast_path_probe is already recorded")
    )
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PLAN.message_for(acme.schema_name, connection))
    assert tables_named("fast_path_probe") == []


def test_sql_that_names_a_pilot_schema_is_not_compiled_even_when_identical():
    key = ("deploy_probe", "0002_gadget_colour")
    naming = [(key, ['CREATE INDEX "i" ON "org_one"."deploy_probe_gadget" ("name")'])]
    plain = [(key, ['CREATE INDEX "i" ON "deploy_probe_gadget" ("name")'])]

    assert recording_differences((key,), [("org_one", naming), ("org_two", naming)]) == (
        "deploy_probe.0002_gadget_colour: its SQL names the schema org_one"
    )
    # A longer name that merely starts with the schema's is not the schema.
    similar = [(key, ['CREATE INDEX "org_one_idx" ON "deploy_probe_gadget" ("name")'])]
    assert recording_differences((key,), [("org_one", similar), ("org_two", similar)]) is None
    assert recording_differences((key,), [("org_one", plain), ("org_two", plain)]) is None


def _migration(*operations: migrations.operations.base.Operation) -> migrations.Migration:
    migration = migrations.Migration("0099_probe", "deploy_probe")
    migration.operations = list(operations)
    return migration


def test_only_plans_that_may_add_models_or_permissions_need_post_migrate_rows():
    column = _migration(
        migrations.AddField("gadget", "colour", models.TextField(null=True)),
        migrations.AddIndex("gadget", models.Index(fields=["colour"], name="g_colour_idx")),
    )
    assert not changes_models([column])
    for operation in (
        migrations.CreateModel("Widget", [("id", models.AutoField(primary_key=True))]),
        migrations.RenameModel("Gadget", "Device"),
        migrations.AlterModelOptions("gadget", {"permissions": [("polish", "Can polish")]}),
        migrations.SeparateDatabaseAndState(state_operations=[]),
    ):
        assert changes_models([column, _migration(operation)]), operation
