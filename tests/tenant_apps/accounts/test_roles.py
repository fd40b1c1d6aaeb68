"""Roles: who may do what inside an organization, and the last-owner rule."""

import pytest
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import User
from tenant_apps.accounts.roles import Role, has_role

pytestmark = pytest.mark.django_db


def test_a_member_cannot_invite_or_change_settings(member_of, acme):
    _member, client = member_of(acme, "member")
    assert client.get("/members/").status_code == 200
    response = client.post("/members/invite/", {"email": "x@example.com", "role": "member"})
    assert response.status_code == 403
    assert "needs the Admin role" in response.content.decode()
    assert client.get("/settings/").status_code == 403


def test_an_admin_can_invite_but_not_make_owners(member_of, acme):
    _admin, client = member_of(acme, "admin")
    assert client.post("/members/invite/", {"email": "a@example.com"}).status_code == 302
    response = client.post(
        "/members/invite/", {"email": "b@example.com", "role": "owner"}, follow=True
    )
    assert "Only an owner can invite another owner" in response.content.decode()
    assert client.get("/settings/sign-in/").status_code == 403  # the policy is the owners'


def test_visitors_are_sent_to_sign_in(acme_client):
    response = acme_client.get("/members/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_last_owner_cannot_be_demoted_or_deactivated(owner_of, acme):
    owner, client = owner_of(acme)
    response = client.post(f"/members/{owner.pk}/role/", {"role": "member"}, follow=True)
    assert "at least one owner" in response.content.decode()
    # Nobody deactivates themselves from the members page; leaving is refused to the last owner.
    response = client.post(f"/members/{owner.pk}/deactivate/", follow=True)
    assert "You can&#x27;t deactivate owner@acme.test" in response.content.decode()
    response = client.post("/account/leave/", follow=True)
    assert "You are the only owner: transfer ownership" in response.content.decode()
    with schema_context(acme.schema_name):
        owner.refresh_from_db()
        assert (owner.role, owner.is_active) == ("owner", True)


def test_with_a_second_owner_the_first_can_step_down(owner_of, member_of, acme):
    owner, client = owner_of(acme)
    second, _ = member_of(acme, "owner", email="second-owner@acme.test")
    response = client.post(f"/members/{owner.pk}/role/", {"role": "admin"})
    assert response.status_code == 302
    with schema_context(acme.schema_name):
        assert User.objects.get(pk=owner.pk).role == "admin"
        assert User.objects.get(pk=second.pk).role == "owner"


def test_an_admin_cannot_demote_an_owner(member_of, owner_of, acme):
    owner, _ = owner_of(acme)
    _admin, client = member_of(acme, "admin")
    response = client.post(f"/members/{owner.pk}/role/", {"role": "member"}, follow=True)
    assert "Only an owner can make or unmake owners" in response.content.decode()


def test_deactivated_member_loses_access_at_once(member_of, owner_of, acme):
    member, member_client = member_of(acme, "member")
    _owner, owner_client = owner_of(acme)
    assert member_client.get("/").status_code == 200
    assert owner_client.post(f"/members/{member.pk}/deactivate/").status_code == 302
    assert member_client.get("/").status_code == 302


def test_role_helper_ranks_roles(member_of, acme):
    admin, _ = member_of(acme, "admin")
    assert has_role(admin, Role.MEMBER) and has_role(admin, Role.ADMIN)
    assert not has_role(admin, Role.OWNER)


def test_members_page_lists_only_this_organizations_members(member_of, acme, globex):
    member_of(globex, "member", email="globex-only@globex.test")
    _member, client = member_of(acme, "member")
    page = client.get("/members/").content.decode()
    assert "owner@acme.test" in page
    assert "globex-only@globex.test" not in page and "owner@globex.test" not in page
