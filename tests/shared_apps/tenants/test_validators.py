import pytest
from django.core.exceptions import ValidationError

from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning import services as provisioning
from shared_apps.tenants.validators import schema_name_for_slug, validate_slug

HOSTILE_OR_INVALID = [
    "",
    "ab",
    "a" * 41,
    "Acme",
    "acme corp",
    "acme_corp",
    "-acme",
    "acme-",
    "ac--me",
    "xn--bcher-kva",
    "acme;drop",
    'acme"; DROP SCHEMA public CASCADE; --',
    "acme'",
    "../etc",
    "acme\x00",
    "acme\n",
    "ácme",
    "pg_catalog",
    "pg-toast",
    "public",
    "www",
    "admin",
    "api",
    "platform",
    "static",
    "media",
    "mail",
    "information_schema",
]


@pytest.mark.parametrize("slug", HOSTILE_OR_INVALID)
def test_hostile_or_invalid_slugs_are_refused(slug):
    with pytest.raises(ValidationError):
        validate_slug(slug)


@pytest.mark.parametrize("slug", ["acme", "acme-eu", "a1b", "x" * 40, "123"])
def test_valid_slugs_are_accepted(slug):
    validate_slug(slug)


def test_schema_name_is_prefixed_and_underscored():
    assert schema_name_for_slug("acme-eu") == "org_acme_eu"


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ['x"; DROP SCHEMA public CASCADE; --', "pg_catalog", "www"])
def test_creating_with_a_hostile_slug_is_a_validation_error_and_makes_nothing(slug):
    with pytest.raises(ValidationError) as error:
        provisioning.organization_create(name="Evil", slug=slug)
    assert "slug" in error.value.message_dict
    assert not Organization.objects.filter(name="Evil").exists()
