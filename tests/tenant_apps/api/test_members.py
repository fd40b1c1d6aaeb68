"""/api/v1/members/ and /api/v1/invitations/: admins only, the members page's services."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django_tenants.utils import tenant_context

from tenant_apps.accounts.models import Invitation

pytestmark = pytest.mark.django_db


def test_members_are_for_admins_only(acme, member_of):
    _user, member_client = member_of(acme)
    assert member_client.get("/api/v1/members/").status_code == 403
    assert member_client.get("/api/v1/invitations/").status_code == 403


def test_admin_lists_members_without_n_plus_one(
    acme, owner_of, member_of, django_assert_num_queries
):
    _owner, client = owner_of(acme)
    client.get("/api/v1/members/")
    for i in range(4):
        member_of(acme, email=f"m{i}@acme.test")
    with django_assert_num_queries(2):  # the signed-in user, the page
        emails = [m["email"] for m in client.get("/api/v1/members/").json()["data"]]
    assert len(emails) == 5


def test_role_change_follows_the_same_rules_as_the_page(acme, member_of):
    _admin, admin_client = member_of(acme, role="admin")
    member, _ = member_of(acme)
    response = admin_client.post(
        f"/api/v1/members/{member.pk}/role/", {"role": "owner"}, content_type="application/json"
    )
    assert response.status_code == 422  # only an owner makes owners (accounts.services)
    assert "owner" in str(response.json()["error"]["fields"])
    response = admin_client.post(
        f"/api/v1/members/{member.pk}/role/", {"role": "admin"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["data"]["role"] == "admin"


def test_invite_sends_the_email_and_revoke_withdraws(
    acme, acme_owner_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = acme_owner_client.post(
            "/api/v1/invitations/",
            {"email": "new@example.com", "role": "member"},
            content_type="application/json",
        )
    assert response.status_code == 201
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    pk = response.json()["data"]["id"]
    assert [i["email"] for i in acme_owner_client.get("/api/v1/invitations/").json()["data"]] == [
        "new@example.com"
    ]
    assert acme_owner_client.delete(f"/api/v1/invitations/{pk}/").status_code == 204
    with tenant_context(acme):
        assert Invitation.objects.get(pk=pk).revoked_at is not None
    assert acme_owner_client.get("/api/v1/invitations/").json()["data"] == []


def test_inviting_a_member_again_is_422_with_the_field(acme_owner_client):
    response = acme_owner_client.post(
        "/api/v1/invitations/",
        {"email": "owner@acme.test", "role": "member"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "already a member" in response.json()["error"]["fields"]["email"][0]


def test_a_member_id_that_exists_only_at_globex_is_404_at_acme(
    acme, globex, acme_owner_client, globex_owner_client, member_of
):
    for i in range(3):
        globex_member, _ = member_of(globex, email=f"g{i}@globex.test")
    with tenant_context(acme):
        assert not get_user_model().objects.filter(pk=globex_member.pk).exists()
    assert globex_owner_client.get(f"/api/v1/members/{globex_member.pk}/").status_code == 200
    assert acme_owner_client.get(f"/api/v1/members/{globex_member.pk}/").status_code == 404
