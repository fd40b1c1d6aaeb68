"""Lifecycle actions: each audited, deletion guarded, export then restore identical."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists

from shared_apps.tenants.audit import Actor
from shared_apps.tenants.db.catalog import table_columns
from shared_apps.tenants.lifecycle import domains, exports
from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.lifecycle.directory import organizations_for_email
from shared_apps.tenants.models import AuditEvent, Domain, Organization, OrganizationExport
from shared_apps.tenants.provisioning import services as provisioning
from tenant_apps.accounts.services import member_create
from tenant_apps.tracker.models import Project

pytestmark = pytest.mark.django_db

STAFF = Actor(label="staff@tenantry.test", ip_address="203.0.113.9")


def actions_for(organization) -> list[str]:
    return list(
        AuditEvent.objects.filter(organization_slug=organization.slug)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_suspend_reactivate_archive_restore_are_audited_with_who_and_where(acme):
    lifecycle.organization_suspend(organization=acme, actor=STAFF)
    lifecycle.organization_reactivate(organization=acme, actor=STAFF)
    lifecycle.organization_archive(organization=acme, actor=STAFF)
    assert acme.archived_at is not None
    lifecycle.organization_restore(organization=acme, actor=STAFF)
    assert acme.archived_at is None and acme.status == "active"
    assert actions_for(acme) == [
        "organization.suspended", "organization.active", "organization.archived",
        "organization.active",
    ]  # fmt: skip
    event = AuditEvent.objects.filter(organization=acme).first()
    assert (event.actor, event.ip_address) == ("staff@tenantry.test", "203.0.113.9")


def test_archived_organization_is_closed_to_members(acme, acme_owner_client):
    lifecycle.organization_archive(organization=acme, actor=STAFF)
    assert acme_owner_client.get("/").status_code == 404


def test_deletion_is_refused_during_the_grace_period_and_without_an_export(acme):
    lifecycle.organization_archive(organization=acme, actor=STAFF)
    with pytest.raises(ValidationError, match="grace period"):
        lifecycle.organization_delete(organization=acme, actor=STAFF)
    Organization.objects.filter(pk=acme.pk).update(archived_at=timezone.now() - timedelta(days=31))
    acme.refresh_from_db()
    with pytest.raises(ValidationError, match="Export"):
        lifecycle.organization_delete(organization=acme, actor=STAFF)
    assert schema_exists("org_acme")


def test_deletion_after_grace_period_and_export_drops_the_schema(tmp_path, settings):
    settings.EXPORTS_DIR = str(tmp_path)
    organization = provisioning.organization_create(name="Short lived", slug="short-lived")
    lifecycle.organization_archive(organization=organization, actor=STAFF)
    export = exports.export_run(
        export=exports.export_request(organization=organization, actor=STAFF)
    )
    assert export.status == OrganizationExport.Status.DONE
    Organization.objects.filter(pk=organization.pk).update(
        archived_at=timezone.now() - timedelta(days=31)
    )
    organization.refresh_from_db()
    lifecycle.organization_delete(organization=organization, actor=STAFF)
    assert not schema_exists("org_short_lived")
    assert actions_for(organization)[-1] == "organization.delete"


def test_custom_domains_route_once_verified_and_the_subdomain_cannot_be_removed(client, acme):
    domain = domains.domain_add(organization=acme, domain="work.acme.example", actor=STAFF)
    assert client.get("/accounts/login/", HTTP_HOST="work.acme.example").status_code == 404
    domains.domain_verify(domain=domain, actor=STAFF)
    assert client.get("/accounts/login/", HTTP_HOST="work.acme.example").status_code == 200
    domains.domain_set_primary(domain=domain, actor=STAFF)
    domains.domain_remove(domain=domain, actor=STAFF)
    assert Domain.objects.get(tenant=acme, is_primary=True).domain == "acme.localhost"
    with pytest.raises(ValidationError, match="own subdomain"):
        domains.domain_remove(domain=Domain.objects.get(domain="acme.localhost"), actor=STAFF)


def test_a_hostile_custom_domain_is_a_validation_error(acme):
    with pytest.raises(ValidationError):
        domains.domain_add(organization=acme, domain="evil.com/../x", actor=STAFF)


def test_export_then_restore_into_a_new_organization_gives_identical_data(tmp_path, settings):
    settings.EXPORTS_DIR = str(tmp_path)
    source = provisioning.organization_create(name="Source", slug="source-org")
    with schema_context(source.schema_name):
        member_create(email="keeper@source.test", password="x-long-password", role="owner")
        for name in ("One", "Two", "Three, with a comma", 'Quote "q"\nnewline'):
            Project.objects.create(name=name)
        Project.objects.filter(name="Two").delete()  # a gap in the ids

    export = exports.export_run(export=exports.export_request(organization=source, actor=STAFF))
    restored = exports.archive_restore(
        archive_path=exports.export_path(export), name="Copy", slug="copy-org", actor=STAFF
    )

    def table_rows(schema: str) -> dict[str, list]:
        tables = table_columns(schema)
        with connection.cursor() as cursor:
            contents = {}
            for table in tables:
                cursor.execute(f'SELECT * FROM "{schema}"."{table}" ORDER BY 1')
                contents[table] = cursor.fetchall()
            return contents

    assert table_rows(restored.schema_name) == table_rows(source.schema_name)
    with schema_context(restored.schema_name):
        assert Project.objects.create(name="After restore").pk == 5  # identities advanced
    assert [o.slug for o in organizations_for_email("keeper@source.test")] == [
        "copy-org", "source-org",
    ]  # fmt: skip


def test_restore_refuses_an_archive_from_other_migrations(tmp_path, settings, monkeypatch):
    settings.EXPORTS_DIR = str(tmp_path)
    export = exports.export_run(
        export=exports.export_request(
            organization=Organization.objects.get(slug="acme"), actor=STAFF
        )
    )
    monkeypatch.setattr(exports, "code_migrations_digest", lambda: "another-release")
    with pytest.raises(ValidationError, match="different set of migrations"):
        exports.archive_restore(
            archive_path=exports.export_path(export), name="X", slug="x-org", actor=STAFF
        )
    assert not Organization.objects.filter(slug="x-org").exists()
