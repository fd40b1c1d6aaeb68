"""The organization's settings area: who reaches it, renaming, and the audit of each change."""

import pytest

from shared_apps.tenants.models import AuditEvent, Organization
from tests.support.accounts import owner_email

pytestmark = pytest.mark.django_db

SETTINGS_PAGES = {
    "/settings/": "Admin",
    "/settings/sign-in/": "Owner",
    "/settings/branding/": "Admin",
}


def test_members_get_the_403_page_and_cannot_change_anything(member_of, acme):
    _member, client = member_of(acme, "member")
    for path, role in SETTINGS_PAGES.items():
        response = client.get(path)
        assert response.status_code == 403, path
        assert f"needs the {role} role" in response.content.decode()
    assert client.post("/settings/", {"name": "Hijacked"}).status_code == 403
    assert client.post("/settings/branding/", {"accent": "#112233"}).status_code == 403
    assert client.post("/settings/branding/logo/remove/").status_code == 403
    acme.refresh_from_db()
    assert (acme.name, acme.brand_accent) == ("Acme Corp", "")
    assert not AuditEvent.objects.filter(organization=acme).exists()


def test_admins_reach_general_and_branding_but_not_the_sign_in_policy(member_of, acme):
    _admin, client = member_of(acme, "admin")
    assert client.get("/settings/").status_code == 200
    assert client.get("/settings/branding/").status_code == 200
    assert client.get("/settings/sign-in/").status_code == 403
    nav = client.get("/settings/").content.decode()
    assert 'href="/settings/branding/"' in nav
    assert 'href="/settings/sign-in/"' not in nav


def test_the_nav_marks_the_page_shown(acme_owner_client):
    page = acme_owner_client.get("/settings/branding/").content.decode()
    assert '<a href="/settings/branding/" aria-current="page">Branding</a>' in page
    assert '<a href="/settings/" aria-current="page">' not in page
    general = acme_owner_client.get("/settings/").content.decode()
    assert '<a href="/settings/" aria-current="page">General</a>' in general


def test_renaming_changes_the_display_name_only_and_is_audited(acme_owner_client, acme):
    response = acme_owner_client.post("/settings/", {"name": "  Acme Worldwide  "})
    assert (response.status_code, response["Location"]) == (302, "/settings/")
    renamed = Organization.objects.get(pk=acme.pk)
    assert (renamed.name, renamed.slug, renamed.schema_name) == (
        "Acme Worldwide", acme.slug, acme.schema_name,
    )  # fmt: skip
    event = AuditEvent.objects.get(action="organization.rename", organization=acme)
    assert event.detail == {"previous": "Acme Corp", "name": "Acme Worldwide"}
    assert event.actor == owner_email(acme.slug)
    assert "Acme Worldwide" in acme_owner_client.get("/").content.decode()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("   ", "This field is required."),
        ("x" * 201, "at most 200 characters"),
        ("Acme\x00Corp", "Null characters are not allowed."),
        ("Acme\x1bCorp", "control characters"),
    ],
)
def test_a_bad_name_is_a_form_error_and_changes_nothing(acme_owner_client, acme, name, message):
    response = acme_owner_client.post("/settings/", {"name": name})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Organization.objects.get(pk=acme.pk).name == "Acme Corp"
    assert not AuditEvent.objects.filter(action="organization.rename").exists()


def test_the_sign_in_policy_is_saved_from_its_own_page_and_audited(acme_owner_client, acme):
    response = acme_owner_client.post("/settings/sign-in/", {"open_signup": "on"})
    assert (response.status_code, response["Location"]) == (302, "/settings/sign-in/")
    assert Organization.objects.get(pk=acme.pk).open_signup is True
    assert AuditEvent.objects.filter(action="organization.policy", organization=acme).exists()
