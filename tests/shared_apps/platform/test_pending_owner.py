"""The first owner is kept on the organization until they join (issue 17, items 10–13):
one validation and one default plan for every way in, the pending owner visible and
re-invitable from the console, the CLI and the API, and owners' policy changes audited."""

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tenants.utils import schema_context

from shared_apps.tenants.audit import Actor
from shared_apps.tenants.models import AuditEvent, Organization
from shared_apps.tenants.provisioning import services as provisioning
from tenant_apps.accounts.models import Invitation
from tenant_apps.accounts.services import invitation_accept

pytestmark = pytest.mark.django_db

STAFF = Actor(label="ops@platform.test")


def organization(*args: str) -> str:
    out = StringIO()
    call_command("organization", *args, stdout=out)
    return out.getvalue()


def owner_invitations(org: Organization) -> list[Invitation]:
    with schema_context(org.schema_name):
        return list(Invitation.objects.filter(role="owner").order_by("created_at"))


@pytest.fixture
def initech(eager_tasks, django_capture_on_commit_callbacks) -> Organization:
    """Made through the API's path (no staff session involved), owner not joined yet."""
    with django_capture_on_commit_callbacks(execute=True):
        provisioning.organization_request(
            name="Initech", slug="initech", owner_email="peter@initech.test", actor=STAFF
        )
    mail.outbox.clear()
    return Organization.objects.get(slug="initech")


# Item 10: one validation, one default plan.


def test_a_bad_owner_email_gets_the_same_refusal_from_the_api_the_console_and_the_cli(
    api, staff_client
):
    expected = "Enter a valid email address."
    body = {"name": "Umbrella", "slug": "umbrella", "owner_email": "not-an-email"}
    response = api("post", "organizations/", body)
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["owner_email"] == [expected]

    page = staff_client.post("/platform/organizations/new/", {**body, "plan": "free"})
    assert page.status_code == 200 and expected in page.content.decode()

    with pytest.raises(CommandError, match=f"owner_email: {expected}"):
        organization("create", "umbrella", "--name", "Umbrella", "--owner-email", "not-an-email")
    assert not Organization.objects.filter(slug="umbrella").exists()


def test_every_way_in_gives_the_same_default_plan(api, staff_client, public_client, settings):
    settings.PLATFORM_PLANS = ["team", "free"]
    settings.SELF_SERVE_SIGNUP = True
    api("post", "organizations/", {"name": "A", "slug": "via-api", "owner_email": "a@a.test"})
    public_client.post("/signup/", {"name": "B", "slug": "via-signup", "email": "b@b.test"})
    organization("create", "via-cli", "--name", "C")
    plans = dict(Organization.objects.filter(slug__startswith="via-").values_list("slug", "plan"))
    assert plans == {"via-api": "team", "via-signup": "team", "via-cli": "team"}
    form = staff_client.get("/platform/organizations/new/").content.decode()
    assert re.search(r'<option value="team" selected>', form)


# Item 11: the pending owner lives on the organization.


def test_a_console_retry_of_an_api_made_organization_invites_its_owner(
    staff_client, api, eager_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    from tenant_apps.accounts import receivers

    def broken(**_kwargs):
        raise RuntimeError("the first attempt fails")

    monkeypatch.setattr(receivers, "owner_set_up", broken)
    with django_capture_on_commit_callbacks(execute=True):
        body = {"name": "Hooli", "slug": "hooli", "owner_email": "gavin@hooli.test"}
        assert api("post", "organizations/", body).status_code == 202
    assert Organization.objects.get(slug="hooli").status == "provisioning"
    monkeypatch.undo()

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post("/platform/organizations/hooli/retry/")  # another staff session
    hooli = Organization.objects.get(slug="hooli")
    assert hooli.status == "active"
    assert [i.email for i in owner_invitations(hooli)] == ["gavin@hooli.test"]
    assert [m.to for m in mail.outbox] == [["gavin@hooli.test"]]


def test_the_console_shows_the_pending_owner_and_whether_the_invitation_expired(
    staff_client, initech
):
    page = staff_client.get("/platform/organizations/initech/").content.decode()
    assert "Waiting for <strong>peter@initech.test</strong>" in page and "valid until" in page
    Organization.objects.filter(pk=initech.pk).update(
        owner_invited_at=timezone.now() - timedelta(days=30)
    )
    page = staff_client.get("/platform/organizations/initech/").content.decode()
    assert "the invitation expired" in page


def test_an_expired_owner_invitation_is_renewed_from_the_console(
    staff_client, initech, django_capture_on_commit_callbacks
):
    with schema_context(initech.schema_name):
        Invitation.objects.update(expires_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post("/platform/organizations/initech/owner/")
    old, new = owner_invitations(initech)
    assert (old.state, new.state) == ("revoked", "pending")
    assert "/invitations/" in mail.outbox[-1].body and mail.outbox[-1].to == ["peter@initech.test"]
    event = AuditEvent.objects.get(action="organization.owner_invite")
    assert (event.actor, event.detail["owner_email"]) == ("ops@platform.test", "peter@initech.test")


def test_the_cli_replaces_the_pending_owner(initech, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        out = organization("invite-owner", "initech", "--email", "Bill@Initech.test", "--json")
    assert json.loads(out)["pending_owner"] == "bill@initech.test"
    assert [(i.email, i.state) for i in owner_invitations(initech)] == [
        ("peter@initech.test", "revoked"),
        ("bill@initech.test", "pending"),
    ]
    assert mail.outbox[-1].to == ["bill@initech.test"]
    assert AuditEvent.objects.get(action="organization.owner_invite").actor.startswith("cli:")


def test_the_api_resends_and_refuses_what_it_cannot_do(api, initech, acme):
    response = api("post", "organizations/initech/owner-invitation/", {})
    assert response.status_code == 200
    assert response.json()["data"]["pending_owner"]["email"] == "peter@initech.test"
    assert len(owner_invitations(initech)) == 2

    bad = api("post", "organizations/initech/owner-invitation/", {"email": "x\r\n@y"})
    assert bad.status_code == 422
    nobody = api("post", "organizations/acme/owner-invitation/", {})  # acme's owner joined
    assert nobody.status_code == 422 and "no pending owner" in nobody.content.decode()
    member = api("post", "organizations/acme/owner-invitation/", {"email": "owner@acme.test"})
    assert member.status_code == 422 and "already a member" in member.content.decode()


def test_an_owner_invitation_at_one_organization_is_not_seen_at_another(api, initech, globex):
    api("post", "organizations/initech/owner-invitation/", {"email": "new@initech.test"})
    with schema_context(globex.schema_name):
        assert not Invitation.objects.filter(email="new@initech.test").exists()
    assert not Organization.objects.get(pk=globex.pk).pending_owner_email


def test_accepting_the_owner_invitation_clears_the_pending_owner(
    initech, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        organization("invite-owner", "initech")
    token = re.search(r"/invitations/(\S+)/", mail.outbox[-1].body).group(1)
    with schema_context(initech.schema_name):
        invitation_accept(token=token, password="a long enough passphrase 42")
    initech.refresh_from_db()
    assert (initech.pending_owner_email, initech.owner_invited_at) == ("", None)


# Item 12: owners' policy changes are audited in the service.


def test_an_owners_policy_change_is_audited_once(acme, acme_owner_client):
    response = acme_owner_client.post(
        "/settings/sign-in/", {"require_mfa": "", "open_signup": "on"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="organization.policy", organization=acme)
    assert event.actor == "owner@acme.test"
    assert event.detail["open_signup"] is True and event.detail["previous"]["open_signup"] is False


# Item 13: --json where the docs put it.


def test_organization_list_accepts_json_after_the_subcommand():
    after = json.loads(organization("list", "--json"))
    assert [row["slug"] for row in after] == ["acme", "globex"]
    assert after == json.loads(organization("--json", "list"))
