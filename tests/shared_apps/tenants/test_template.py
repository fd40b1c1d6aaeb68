"""Fast provisioning builds the same schema as the migrations do."""

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context, schema_exists

from shared_apps.tenants.db.catalog import schema_capture
from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning import services as provisioning
from shared_apps.tenants.provisioning import template
from tenant_apps.accounts.models import Invitation, User

pytestmark = pytest.mark.django_db


def describe(schema: str) -> dict:
    """An independent description of a schema from information_schema and pg_catalog."""
    with connection.cursor() as cursor:

        def rows(sql: str) -> list[tuple]:
            cursor.execute(sql, [schema])
            return sorted(
                tuple(str(v).replace(schema, "<s>") if v is not None else None for v in row)
                for row in cursor.fetchall()
            )

        return {
            # Column order, not raw ordinal_position: a column dropped by a migration
            # leaves a gap in the numbering that a fresh build has no reason to copy.
            "columns": rows(
                "SELECT table_name, column_name,"
                " row_number() OVER (PARTITION BY table_name ORDER BY ordinal_position),"
                " data_type,"
                " character_maximum_length, numeric_precision, is_nullable, column_default,"
                " is_identity, identity_generation, identity_start, identity_increment,"
                " is_generated, generation_expression, collation_name"
                " FROM information_schema.columns WHERE table_schema = %s"
            ),
            "indexes": reparsed_index_definitions(cursor, schema),
            "constraints": rows(
                "SELECT cl.relname, c.conname, c.contype, pg_get_constraintdef(c.oid),"
                " c.condeferrable, c.condeferred FROM pg_constraint c"
                " JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace n"
                " ON n.oid = c.connamespace WHERE n.nspname = %s"
            ),
            "sequences": rows(
                "SELECT sequence_name, data_type, start_value, minimum_value, maximum_value,"
                " increment, cycle_option FROM information_schema.sequences"
                " WHERE sequence_schema = %s"
            ),
            "sequence_state": rows(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s"
            ),
            "tables": rows(
                "SELECT table_name, table_type FROM information_schema.tables"
                " WHERE table_schema = %s"
            ),
        }


def reparsed_index_definitions(cursor, schema: str) -> list[tuple]:
    """Index definitions as PostgreSQL prints them after parsing them once more.

    The fast path recreates indexes from their printed definitions. For a few expressions
    printing and parsing is not a fixpoint on the first pass (a cast on an ARRAY literal
    moves onto its elements); one more pass settles it. Compare both schemas after it.
    """
    cursor.execute(
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s", [schema]
    )
    indexes = cursor.fetchall()
    described = []
    with transaction.atomic():
        cursor.execute('CREATE SCHEMA "reparse_scratch"')
        for table, name, definition in indexes:
            cursor.execute(
                f'CREATE TABLE IF NOT EXISTS "reparse_scratch"."{table}"'
                f' (LIKE "{schema}"."{table}")'
            )
            cursor.execute(definition.replace(f" ON {schema}.", ' ON "reparse_scratch".', 1))
            cursor.execute(
                "SELECT pg_get_indexdef(c.oid) FROM pg_class c JOIN pg_namespace n"
                " ON n.oid = c.relnamespace WHERE n.nspname = 'reparse_scratch' AND c.relname = %s",
                [name],
            )
            reparsed = cursor.fetchone()[0].replace("reparse_scratch", "<s>")
            described.append((table, name, reparsed))
        transaction.set_rollback(True)
    return sorted(described)


def recorded(schema: str, sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(schema=schema))
        return sorted(cursor.fetchall())


def test_template_and_migrations_build_identical_schemas():
    slow = provisioning.organization_create(name="Slow", slug="slow-path", fast=False)
    fast = provisioning.organization_create(name="Fast", slug="fast-path", fast=True)

    slow_description, fast_description = describe(slow.schema_name), describe(fast.schema_name)
    for part in slow_description:
        assert fast_description[part] == slow_description[part], part
    assert len(slow_description["tables"]) > 10

    for sql in (
        'SELECT app, name FROM "{schema}".django_migrations',
        'SELECT id, app_label, model FROM "{schema}".django_content_type',
        'SELECT id, content_type_id, codename FROM "{schema}".auth_permission',
    ):
        assert recorded(fast.schema_name, sql) == recorded(slow.schema_name, sql)


def test_fast_path_creates_the_owner_invitation_in_the_new_schema(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        organization = provisioning.organization_create(
            name="Initech", slug="initech", owner_email="peter@initech.test"
        )
    assert organization.status == Organization.Status.ACTIVE
    with schema_context(organization.schema_name):
        assert Invitation.objects.get().email == "peter@initech.test"
        assert User.objects.count() == 0
        # New rows get ids after the copied ones (identity sequences were advanced).
        from django.contrib.contenttypes.models import ContentType

        new = ContentType.objects.create(app_label="x", model="y")
        assert new.pk > ContentType.objects.exclude(pk=new.pk).order_by("-pk").first().pk


def test_a_failure_during_the_fast_build_leaves_no_schema():
    def explode(_organization):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        provisioning.organization_create(name="Boom", slug="boom", seed=explode)
    assert not schema_exists("org_boom")
    assert not Organization.objects.filter(slug="boom").exists()


def test_a_stale_template_is_refreshed_before_use(monkeypatch):
    template._snapshot_cache.clear()
    monkeypatch.setattr(template, "code_migrations_digest", lambda: "something-new")
    refreshed = []
    real_refresh = template.template_refresh

    def counting_refresh(**kwargs):
        refreshed.append(True)
        return real_refresh(**kwargs)

    monkeypatch.setattr(
        "shared_apps.tenants.provisioning.services.template_refresh", counting_refresh
    )
    assert template.current_snapshot() is None
    provisioning.organization_create(name="After deploy", slug="after-deploy")
    assert refreshed == [True]


def test_unsupported_template_objects_fall_back_to_migrations(caplog):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f'CREATE VIEW "{template.TEMPLATE_SCHEMA}".tenantry_test_view AS SELECT 1 AS one'
            )
        with pytest.raises(template.TemplateUnsupported, match="views"):
            schema_capture(template.TEMPLATE_SCHEMA)
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("made", "kind"),
    [
        (
            [
                "CREATE FUNCTION public.tenantry_test_noop() RETURNS trigger LANGUAGE plpgsql"
                " AS 'BEGIN RETURN NEW; END'",
                'CREATE TRIGGER tenantry_test_trigger BEFORE INSERT ON "{schema}".django_migrations'
                " FOR EACH ROW EXECUTE FUNCTION public.tenantry_test_noop()",
            ],
            "triggers",
        ),
        (
            [
                'CREATE TABLE "{schema}".tenantry_test_child ()'
                ' INHERITS ("{schema}".django_migrations)'
            ],
            "inheritance",
        ),
        (["CREATE TYPE \"{schema}\".tenantry_test_mood AS ENUM ('calm')"], "types"),
    ],
)
def test_other_objects_the_reader_cannot_rebuild_are_refused_by_kind(made, kind):
    with transaction.atomic():
        with connection.cursor() as cursor:
            for statement in made:
                cursor.execute(statement.replace("{schema}", template.TEMPLATE_SCHEMA))
        with pytest.raises(template.TemplateUnsupported, match=kind):
            schema_capture(template.TEMPLATE_SCHEMA)
        transaction.set_rollback(True)


def test_pooled_schemas_become_organizations_identical_to_migrated_ones(settings):
    from shared_apps.tenants.models import PooledSchema
    from shared_apps.tenants.provisioning.pool import pool_fill

    settings.SCHEMA_POOL_SIZE = 2
    assert pool_fill() == 2
    pooled = set(PooledSchema.objects.values_list("schema_name", flat=True))

    organization = provisioning.organization_create(name="Pooled", slug="pooled-org")
    remaining = set(PooledSchema.objects.values_list("schema_name", flat=True))
    (claimed,) = pooled - remaining
    assert not schema_exists(claimed)  # renamed to the organization's schema, not copied
    assert schema_exists(organization.schema_name)
    slow = provisioning.organization_create(name="Slow", slug="slow-ref", fast=False)
    assert describe(organization.schema_name) == describe(slow.schema_name)


def test_a_template_refresh_drops_pooled_schemas_of_the_old_template(settings, monkeypatch):
    from shared_apps.tenants.models import PooledSchema
    from shared_apps.tenants.provisioning.pool import pool_fill

    settings.SCHEMA_POOL_SIZE = 1
    pool_fill()
    old = PooledSchema.objects.get()
    PooledSchema.objects.filter(pk=old.pk).update(migrations_digest="older-release")
    template.template_refresh()
    assert not PooledSchema.objects.filter(pk=old.pk).exists()
    assert not schema_exists(old.schema_name)
