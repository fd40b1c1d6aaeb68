"""The API tokens settings page: shown once, stored hashed, revocable, admins see all."""

import pytest
from django_tenants.utils import tenant_context

from tenant_apps.api.models import ApiToken

pytestmark = pytest.mark.django_db


def test_created_token_is_shown_once_then_only_its_prefix(acme, acme_owner_client, acme_client):
    page = acme_owner_client.post(
        "/settings/api-tokens/", {"name": "backup", "scope": "read", "lifetime_days": 30}
    ).content.decode()
    with tenant_context(acme):
        token = ApiToken.objects.get(name="backup")
    raw = page.split("<code>")[1].split("</code>")[0]
    assert raw.startswith(f"tpat_{token.prefix}_")
    again = acme_owner_client.get("/settings/api-tokens/").content.decode()
    assert raw not in again and token.prefix in again
    assert acme_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_invalid_form_shows_errors_and_creates_nothing(acme, acme_owner_client):
    response = acme_owner_client.post(
        "/settings/api-tokens/", {"name": "", "scope": "root", "lifetime_days": 9999}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    with tenant_context(acme):
        assert not ApiToken.objects.exists()


def test_admin_sees_and_revokes_a_members_token_a_member_cannot_revoke_others(
    acme, owner_of, member_of, token_for
):
    owner, owner_client = owner_of(acme)
    member, member_client = member_of(acme)
    member_token, _ = token_for(acme, member)
    owner_token, _ = token_for(acme, owner)

    member_page = member_client.get("/settings/api-tokens/").content.decode()
    assert member_token.prefix in member_page and owner_token.prefix not in member_page
    assert member_client.post(f"/settings/api-tokens/{owner_token.pk}/revoke/").status_code == 404

    assert member_token.prefix in owner_client.get("/settings/api-tokens/").content.decode()
    owner_client.post(f"/settings/api-tokens/{member_token.pk}/revoke/")
    with tenant_context(acme):
        member_token.refresh_from_db()
        owner_token.refresh_from_db()
    assert member_token.revoked_at is not None
    assert owner_token.revoked_at is None


def test_signed_out_visitor_is_sent_to_sign_in(acme_client):
    response = acme_client.get("/settings/api-tokens/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
