"""Every way of building an organization's schema gives a distributed schema on Citus,
with none of its tables left on the coordinator, whose identities go on from the
coordinator's sequences (a row can be added after the template's copied rows)."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django_tenants.utils import schema_context

from shared_apps.tenants.db.citus import citus_enabled
from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning import pool
from shared_apps.tenants.provisioning import services as provisioning
from shared_apps.tenants.provisioning.template import TEMPLATE_SCHEMA, current_snapshot
from tenant_apps.tracker.models import Project
from tests.citus.catalog import assert_fully_distributed

pytestmark = pytest.mark.django_db


def _usable(organization: Organization) -> None:
    """Rows go in after the copied ones (identities advanced on the coordinator)."""
    with schema_context(organization.schema_name):
        content_type = ContentType.objects.create(app_label="citus_probe", model="probe")
        Permission.objects.create(name="probe", codename="probe", content_type=content_type)
        Project.objects.create(name="First")
        assert Project.objects.count() == 1


def test_the_database_is_detected_as_citus():
    assert citus_enabled()


def test_the_template_schema_is_distributed():
    assert current_snapshot() is not None
    assert_fully_distributed(TEMPLATE_SCHEMA)


def test_template_path_builds_a_fully_distributed_schema():
    organization = provisioning.organization_create(name="Tmpl", slug="by-template")
    assert_fully_distributed(organization.schema_name)
    _usable(organization)


def test_migrations_path_builds_a_fully_distributed_schema():
    organization = provisioning.organization_create(name="Migr", slug="by-migrations", fast=False)
    assert_fully_distributed(organization.schema_name)
    _usable(organization)


@override_settings(SCHEMA_POOL_SIZE=1)
def test_pool_path_renames_a_pooled_schema_that_stays_distributed():
    assert pool.pool_fill(size=1) == 1
    (pooled,) = pool.PooledSchema.objects.values_list("schema_name", flat=True)
    assert_fully_distributed(pooled)
    organization = provisioning.organization_create(name="Pooled", slug="by-pool")
    assert not pool.PooledSchema.objects.filter(schema_name=pooled).exists()
    assert_fully_distributed(organization.schema_name)
    _usable(organization)


def test_an_imported_organization_goes_on_from_its_loaded_rows(acme, tmp_path):
    from shared_apps.tenants.audit import Actor
    from shared_apps.tenants.lifecycle.exports import archive_restore, archive_write

    with schema_context(acme.schema_name):
        Project.objects.bulk_create([Project(name=f"p{i}") for i in range(5)])
        highest = max(Project.objects.values_list("id", flat=True))
    archive = tmp_path / "acme.tar.gz"
    archive_write(acme, archive)
    copy = archive_restore(archive_path=archive, name="Copy", slug="acme-copy", actor=Actor("t"))
    assert_fully_distributed(copy.schema_name)
    with schema_context(copy.schema_name):
        assert Project.objects.count() == 5
        assert Project.objects.create(name="after").id == highest + 1
