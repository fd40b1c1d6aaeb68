import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_exists

from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.models import Domain, Organization
from shared_apps.tenants.provisioning import services as provisioning
from tenant_apps.tracker.models import Project

pytestmark = pytest.mark.django_db


def test_create_makes_an_active_organization_with_its_subdomain_and_schema():
    seen_schemas = []

    def seed(organization: Organization) -> None:
        seen_schemas.append(connection.schema_name)
        Project.objects.create(name="Welcome")

    organization = provisioning.organization_create(name=" Initech ", slug="Initech", seed=seed)

    assert organization.name == "Initech"
    assert organization.slug == "initech"
    assert organization.status == Organization.Status.ACTIVE
    assert organization.schema_name == "org_initech"
    assert schema_exists("org_initech")
    assert seen_schemas == ["org_initech"]
    domain = Domain.objects.get(tenant=organization)
    assert (domain.domain, domain.is_primary, domain.is_verified) == (
        "initech.localhost",
        True,
        True,
    )


def test_a_failure_halfway_leaves_nothing_behind_and_the_slug_can_be_retried():
    def failing_seed(_organization: Organization) -> None:
        raise RuntimeError("owner account could not be created")

    with pytest.raises(RuntimeError):
        provisioning.organization_create(name="Hooli", slug="hooli", seed=failing_seed)

    assert not Organization.objects.filter(slug="hooli").exists()
    assert not Domain.objects.filter(domain="hooli.localhost").exists()
    assert not schema_exists("org_hooli")

    assert provisioning.organization_create(name="Hooli", slug="hooli").status == "active"


def test_a_taken_slug_is_refused_with_one_clear_message(acme):
    with pytest.raises(ValidationError) as error:
        provisioning.organization_create(name="Another Acme", slug="acme")
    assert error.value.message_dict == {"slug": ["The slug “acme” is already taken."]}


def test_delete_drops_the_schema_and_the_rows():
    organization = provisioning.organization_create(name="Vandelay", slug="vandelay")
    lifecycle.organization_delete(organization=organization, force=True)
    assert not schema_exists("org_vandelay")
    assert not Organization.objects.filter(slug="vandelay").exists()
    assert not Domain.objects.filter(domain="vandelay.localhost").exists()
