"""The API tokens settings page: shown once, stored hashed, revocable, admins see all."""

import datetime

import pytest
from django_tenants.utils import tenant_context

from shared_apps.tenants.models import AuditEvent
from tenant_apps.api.models import ApiToken
from tests.support.clock import stop_the_clock

HTMX = {"HTTP_HX_REQUEST": "true"}

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
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert "less than or equal to 366" in page
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


def test_htmx_create_answers_the_panel_with_the_value_once(
    acme, acme_owner_client, acme_client, monkeypatch
):
    now = stop_the_clock(monkeypatch)
    response = acme_owner_client.post(
        "/settings/api-tokens/", {"name": "ci", "scope": "read-write", "lifetime_days": 7}, **HTMX
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="tokens-panel"' in page and 'id="new-token"' in page
    with tenant_context(acme):
        token = ApiToken.objects.get(name="ci")
    assert token.scope == "read-write"
    assert token.created_at == now
    assert token.expires_at == token.created_at + datetime.timedelta(days=7)
    raw = page.split("<code>")[1].split("</code>")[0]
    assert acme_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    # The page and the API share one service: one audit event, whichever made the token.
    assert AuditEvent.objects.filter(
        action="api_token.create", organization=acme, detail__token=token.prefix
    ).exists()


def test_htmx_invalid_create_is_a_200_with_errors_so_htmx_swaps_it(acme, acme_owner_client):
    response = acme_owner_client.post(
        "/settings/api-tokens/", {"name": "x", "scope": "read", "lifetime_days": 0}, **HTMX
    )
    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()
    with tenant_context(acme):
        assert not ApiToken.objects.exists()


def test_htmx_revoke_answers_the_panel_and_the_token_stops_working(
    acme, owner_of, token_for, acme_client
):
    owner, client = owner_of(acme)
    token, raw = token_for(acme, owner)
    response = client.post(f"/settings/api-tokens/{token.pk}/revoke/", **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Token “ci” revoked." in page and "Revoked" in page
    assert acme_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke", organization=acme).count() == 1


def test_an_acme_token_id_is_404_on_globex_settings_page(acme, globex, owner_of, token_for):
    acme_owner, _ = owner_of(acme)
    token, _ = token_for(acme, acme_owner)
    _globex_owner, globex_client = owner_of(globex)
    response = globex_client.post(f"/settings/api-tokens/{token.pk}/revoke/", **HTMX)
    assert response.status_code == 404
    with tenant_context(acme):
        token.refresh_from_db()
    assert token.revoked_at is None
