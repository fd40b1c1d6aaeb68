"""The public member directory stays in step with each organization's users."""

import pytest
from django_tenants.utils import schema_context

from shared_apps.tenants.lifecycle.directory import email_digest, organizations_for_email
from shared_apps.tenants.models import MemberDirectoryEntry
from tenant_apps.accounts.services import member_create

pytestmark = pytest.mark.django_db


def slugs(email: str) -> list[str]:
    return [organization.slug for organization in organizations_for_email(email)]


def test_owners_made_at_provisioning_are_listed():
    assert slugs("owner@acme.test") == ["acme"]


def test_new_member_is_listed_and_a_member_of_two_organizations_gets_both(acme, globex):
    with schema_context(acme.schema_name):
        member_create(email="Two@Example.com", password="x-long-password")
    assert slugs("two@example.com") == ["acme"]
    with schema_context(globex.schema_name):
        member_create(email="two@example.com", password="x-long-password")
    assert slugs("TWO@example.com") == ["acme", "globex"]


def test_changed_address_moves_and_deactivation_removes(acme):
    with schema_context(acme.schema_name):
        user = member_create(email="old@example.com", password="x-long-password")
        user.email = "new@example.com"
        user.save()
    assert slugs("old@example.com") == []
    assert slugs("new@example.com") == ["acme"]
    with schema_context(acme.schema_name):
        user.is_active = False
        user.save(update_fields=["is_active"])
    assert slugs("new@example.com") == []


def test_only_a_keyed_hash_of_the_address_is_stored(acme):
    with schema_context(acme.schema_name):
        member_create(email="private@example.com", password="x-long-password")
    stored = list(MemberDirectoryEntry.objects.values_list("email_digest", flat=True))
    assert email_digest("private@example.com") in stored
    assert not any("private" in value for value in stored)
