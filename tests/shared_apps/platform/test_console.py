"""The staff console: access, list, provisioning with progress, lifecycle, impersonation."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django_tenants.utils import schema_context, schema_exists

from shared_apps.tenants.audit import Actor
from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.models import AuditEvent, Organization
from tests.support.accounts import PASSWORD

pytestmark = pytest.mark.django_db


def test_visitors_are_sent_to_sign_in_and_members_never_see_the_console(
    public_client, acme_owner_client
):
    response = public_client.get("/platform/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # The console doesn't exist on an organization's host.
    assert acme_owner_client.get("/platform/").status_code == 404


def test_non_staff_public_account_gets_404(client_for):
    with schema_context("public"):
        user = get_user_model().objects.create_user("nobody@platform.test", PASSWORD)
    client = client_for(None)
    with schema_context("public"):
        client.force_login(user)
    assert client.get("/platform/").status_code == 404


def test_console_requires_mfa_when_configured(staff_client, settings):
    settings.PLATFORM_CONSOLE_REQUIRE_MFA = True
    response = staff_client.get("/platform/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_list_searches_sorts_and_shows_vital_signs(staff_client):
    page = staff_client.get("/platform/").content.decode()
    assert "Acme Corp" in page and "Globex" in page
    assert "up to date" in page
    filtered = staff_client.get("/platform/", {"q": "glob"}).content.decode()
    assert "Globex" in filtered and "Acme Corp" not in filtered
    by_domain = staff_client.get("/platform/", {"q": "acme.localhost"}).content.decode()
    assert "Acme Corp" in by_domain
    descending = staff_client.get("/platform/", {"sort": "-name"}).content.decode()
    assert descending.index("Globex") < descending.index("Acme Corp")
    suspended = staff_client.get("/platform/", {"status": "suspended"}).content.decode()
    assert "No organizations match" in suspended


def test_list_paginates(staff_client):
    Organization.objects.bulk_create(
        Organization(name=f"Bulk {i:02d}", slug=f"bulk-{i:02d}", schema_name=f"org_bulk_{i:02d}",
                     status="active")
        for i in range(30)
    )  # fmt: skip
    first = staff_client.get("/platform/").content.decode()
    assert "Page 1 of 2" in first and "32 organizations" in first
    second = staff_client.get("/platform/", {"page": 2}).content.decode()
    assert "Page 2 of 2" in second


def test_slug_check_says_what_is_wrong_live(staff_client):
    assert (
        "already taken"
        in staff_client.get(
            "/platform/organizations/check-slug/", {"slug": "acme"}
        ).content.decode()
    )
    assert (
        "reserved"
        in staff_client.get("/platform/organizations/check-slug/", {"slug": "www"}).content.decode()
    )
    assert (
        "Available: fresh.localhost"
        in staff_client.get(
            "/platform/organizations/check-slug/", {"slug": "Fresh"}
        ).content.decode()
    )


def test_new_organization_is_provisioned_in_the_background_and_owner_invited(
    staff_client, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/platform/organizations/new/",
            {
                "name": "Initech",
                "slug": "initech",
                "owner_email": "peter@initech.test",
                "plan": "team",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == "/platform/organizations/initech/"
    organization = Organization.objects.get(slug="initech")
    assert (organization.status, organization.plan) == ("active", "team")
    assert any("peter@initech.test" in m.to for m in mail.outbox)
    assert re.search(r"http://initech\.localhost/invitations/\S+/", mail.outbox[-1].body)
    assert AuditEvent.objects.filter(
        organization=organization, action="organization.create"
    ).exists()
    assert "Initech" in staff_client.get(response["Location"]).content.decode()


def test_new_organization_with_a_bad_slug_shows_the_error_and_makes_nothing(staff_client):
    response = staff_client.post(
        "/platform/organizations/new/",
        {"name": "Evil", "slug": "pg_catalog", "owner_email": "x@example.com", "plan": "free"},
    )
    assert response.status_code == 200
    assert "lower-case letters" in response.content.decode()
    assert not Organization.objects.filter(name="Evil").exists()


def test_failed_provisioning_is_shown_leaves_no_schema_and_can_be_retried(
    staff_client, eager_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    from tenant_apps.accounts import receivers

    def broken(**_kwargs):
        raise RuntimeError("mail server unreachable")

    monkeypatch.setattr(receivers, "owner_set_up", broken)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            "/platform/organizations/new/",
            {"name": "Hooli", "slug": "hooli", "owner_email": "gavin@hooli.test", "plan": "free"},
        )
    organization = Organization.objects.get(slug="hooli")
    assert organization.status == "provisioning"
    assert "mail server unreachable" in organization.provisioning_error
    assert not schema_exists("org_hooli")
    page = staff_client.get("/platform/organizations/hooli/").content.decode()
    assert "mail server unreachable" in page and "Retry provisioning" in page

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.post("/platform/organizations/hooli/retry/").status_code == 302
    organization.refresh_from_db()
    assert (organization.status, organization.provisioning_error) == ("active", "")
    assert schema_exists("org_hooli")


def test_lifecycle_actions_are_confirmed_then_audited(staff_client, acme):
    confirm = staff_client.get("/platform/organizations/acme/suspend/")
    assert "Suspend Acme Corp?" in confirm.content.decode()
    acme.refresh_from_db()
    assert acme.status == "active"  # nothing happens on GET
    staff_client.post("/platform/organizations/acme/suspend/")
    staff_client.post("/platform/organizations/acme/reactivate/")
    staff_client.post("/platform/organizations/acme/rename/", {"name": "Acme Worldwide"})
    staff_client.post("/platform/organizations/acme/plan/", {"plan": "business"})
    staff_client.post("/platform/organizations/acme/domains/", {"domain": "app.acme.example"})
    acme.refresh_from_db()
    assert (acme.status, acme.name, acme.plan) == ("active", "Acme Worldwide", "business")
    events = AuditEvent.objects.filter(organization=acme)
    assert {e.action for e in events} >= {
        "organization.suspended", "organization.active", "organization.rename",
        "organization.plan", "domain.add",
    }  # fmt: skip
    assert {e.actor for e in events} == {"ops@platform.test"}
    assert all(e.ip_address == "127.0.0.1" for e in events)


def test_delete_needs_the_typed_slug_and_the_guards(staff_client, acme):
    lifecycle.organization_archive(organization=acme, actor=Actor(label="someone"))
    wrong = staff_client.post("/platform/organizations/acme/delete/", {"confirm_slug": "nope"})
    assert "not this organization" in wrong.content.decode()
    guarded = staff_client.post("/platform/organizations/acme/delete/", {"confirm_slug": "acme"})
    assert "grace period" in guarded.content.decode()
    assert schema_exists("org_acme")
    forced = staff_client.post(
        "/platform/organizations/acme/delete/", {"confirm_slug": "acme", "force": "on"}
    )
    assert forced.status_code == 302
    assert not schema_exists("org_acme")


def test_export_is_made_in_the_background_and_downloadable_by_staff_only(
    staff_client, eager_tasks, django_capture_on_commit_callbacks, tmp_path, settings,
    public_client,
):  # fmt: skip
    settings.EXPORTS_DIR = str(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post("/platform/organizations/acme/export/")
    export = Organization.objects.get(slug="acme").exports.get()
    assert export.status == "done"
    download = staff_client.get(f"/platform/exports/{export.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"\x1f\x8b"  # gzip
    assert public_client.get(f"/platform/exports/{export.pk}/download/").status_code == 302


def test_impersonation_enters_as_the_member_shows_a_banner_and_is_audited(
    staff_client, client_for, acme
):
    with schema_context(acme.schema_name):
        member = get_user_model().objects.get(email="owner@acme.test")
    response = staff_client.post(f"/platform/organizations/acme/impersonate/{member.pk}/")
    assert response.status_code == 302
    link = response["Location"]
    assert link.startswith("http://acme.localhost/impersonate/")

    support = client_for(acme)
    entered = support.get(link.removeprefix("http://acme.localhost"), REMOTE_ADDR="203.0.113.9")
    assert entered.status_code == 302
    page = support.get("/").content.decode()
    assert "Support session: signed in as <strong>owner@acme.test</strong>" in page
    assert "on behalf of\n    ops@platform.test" in page or "ops@platform.test" in page

    # The ticket works once.
    assert client_for(acme).get(link.removeprefix("http://acme.localhost")).status_code == 403

    ended = support.post("/impersonate/end/")
    assert ended["Location"] == "http://localhost/platform/organizations/acme/"
    assert support.get("/").status_code == 302  # signed out
    actions = list(
        AuditEvent.objects.filter(organization=acme).order_by("id").values_list("action", "actor")
    )
    assert actions == [
        ("impersonation.start", "ops@platform.test"),
        ("impersonation.enter", "ops@platform.test"),
        ("impersonation.end", "ops@platform.test"),
    ]
    # Using the link is audited: who, which organization, which member, when, from where.
    # (REMOTE_ADDR: the peer address, as every audit record here takes it.)
    enter = AuditEvent.objects.get(organization=acme, action="impersonation.enter")
    assert (enter.organization_slug, enter.detail, enter.ip_address) == (
        "acme",
        {"member": "owner@acme.test"},
        "203.0.113.9",
    )
    assert enter.created_at is not None


def test_impersonation_ticket_is_refused_at_another_organization(
    staff_client, client_for, acme, globex
):
    with schema_context(acme.schema_name):
        member = get_user_model().objects.get(email="owner@acme.test")
    link = staff_client.post(f"/platform/organizations/acme/impersonate/{member.pk}/")["Location"]
    response = client_for(globex).get(link.removeprefix("http://acme.localhost"))
    assert response.status_code == 403
    assert "not valid for this organization" in response.content.decode()
    assert "owner@acme.test" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="impersonation.enter").exists()


def test_support_session_ends_where_two_factor_is_required(staff_client, client_for, acme):
    lifecycle.organization_update_policy(
        organization=acme, require_mfa=True, open_signup=False, actor=Actor(label="test")
    )
    with schema_context(acme.schema_name):
        member = get_user_model().objects.get(email="owner@acme.test")  # has no authenticator
    link = staff_client.post(f"/platform/organizations/acme/impersonate/{member.pk}/")["Location"]
    support = client_for(acme)
    support.get(link.removeprefix("http://acme.localhost"))

    ended = support.post("/impersonate/end/")
    assert ended["Location"] == "http://localhost/platform/organizations/acme/"
    assert AuditEvent.objects.filter(organization=acme, action="impersonation.end").exists()
    assert support.get("/")["Location"].startswith("/accounts/login/")  # signed out


def test_impersonation_ends_by_itself_after_the_time_limit(
    staff_client, client_for, acme, settings
):
    settings.IMPERSONATION_MINUTES = 0
    with schema_context(acme.schema_name):
        member = get_user_model().objects.get(email="owner@acme.test")
    link = staff_client.post(f"/platform/organizations/acme/impersonate/{member.pk}/")["Location"]
    support = client_for(acme)
    support.get(link.removeprefix("http://acme.localhost"))
    response = support.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    end = AuditEvent.objects.get(organization=acme, action="impersonation.end")
    assert end.detail["reason"] == "time limit reached"


def test_self_serve_signup_is_off_by_default_and_works_when_on(
    public_client, settings, eager_tasks, django_capture_on_commit_callbacks
):
    assert public_client.get("/signup/").status_code == 404
    settings.SELF_SERVE_SIGNUP = True
    with django_capture_on_commit_callbacks(execute=True):
        response = public_client.post(
            "/signup/", {"name": "Pied Piper", "slug": "pied-piper", "email": "richard@pp.test"}
        )
    assert "being created" in response.content.decode()
    assert Organization.objects.get(slug="pied-piper").status == "active"
    event = AuditEvent.objects.get(organization_slug="pied-piper", action="organization.create")
    assert event.actor == "self-serve:richard@pp.test"
