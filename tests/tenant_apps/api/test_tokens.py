"""Personal API tokens: scoped to their organization, revocable, expiring, read-only or not."""

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.tenants.audit import Actor
from shared_apps.tenants.models import AuditEvent
from tenant_apps.accounts.services import member_deactivate
from tenant_apps.api.models import ApiToken
from tenant_apps.api.tokens import token_revoke
from tenant_apps.tracker.models import Project

pytestmark = pytest.mark.django_db


def test_a_token_reads_and_records_its_last_use(acme, owner_of, token_for, bearer, acme_client):
    owner, _ = owner_of(acme)
    token, raw = token_for(acme, owner)
    response = acme_client.get("/api/v1/me/", **bearer(raw))
    assert response.status_code == 200
    assert response.json()["meta"]["credential"] == "api_token"
    with tenant_context(acme):
        token.refresh_from_db()
        assert token.last_used_at is not None
        assert token.digest != raw and raw not in token.digest


def test_an_acme_token_is_401_at_globex_even_with_a_colliding_row(
    acme, globex, owner_of, token_for, bearer, globex_client
):
    acme_owner, _ = owner_of(acme)
    globex_owner, _ = owner_of(globex)
    acme_token, acme_raw = token_for(acme, acme_owner)
    # Globex holds a token with the same row id and the same public prefix.
    with tenant_context(globex):
        ApiToken.objects.create(
            id=acme_token.id,
            user=globex_owner,
            name="twin",
            scope="read-write",
            prefix=acme_token.prefix,
            digest=acme_token.digest,  # even the stored digest copied across
            expires_at=acme_token.expires_at,
        )
    response = globex_client.get("/api/v1/me/", **bearer(acme_raw))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_revoked_token_is_401(acme, owner_of, token_for, bearer, acme_client):
    owner, _ = owner_of(acme)
    token, raw = token_for(acme, owner)
    with tenant_context(acme):
        token_revoke(token=token, by=owner, actor=Actor.command_line())
    assert acme_client.get("/api/v1/me/", **bearer(raw)).status_code == 401


def test_expired_token_is_401(acme, owner_of, token_for, bearer, acme_client):
    owner, _ = owner_of(acme)
    token, raw = token_for(acme, owner)
    with tenant_context(acme):
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
    assert acme_client.get("/api/v1/me/", **bearer(raw)).status_code == 401


def test_tampered_secret_is_401(acme, owner_of, token_for, bearer, acme_client):
    owner, _ = owner_of(acme)
    _token, raw = token_for(acme, owner)
    assert acme_client.get("/api/v1/me/", **bearer(raw[:-2] + "xx")).status_code == 401


def test_read_only_token_reads_but_may_not_write(
    acme, owner_of, token_for, bearer, acme_client, in_schema
):
    owner, _ = owner_of(acme)
    _token, raw = token_for(acme, owner, scope="read")
    assert acme_client.get("/api/v1/projects/", **bearer(raw)).status_code == 200
    response = acme_client.post(
        "/api/v1/projects/", {"name": "x"}, content_type="application/json", **bearer(raw)
    )
    assert response.status_code == 403
    with in_schema(acme):
        assert not Project.objects.exists()


def test_read_write_token_writes_without_csrf(acme, owner_of, token_for, bearer, acme_client):
    owner, _ = owner_of(acme)
    _token, raw = token_for(acme, owner, scope="read-write")
    response = acme_client.post(
        "/api/v1/projects/", {"name": "Anvil"}, content_type="application/json", **bearer(raw)
    )
    assert response.status_code == 201


def test_created_token_is_shown_once_and_works(acme, acme_owner_client, acme_client, bearer):
    response = acme_owner_client.post(
        "/api/v1/tokens/",
        {"name": "deploy script", "scope": "read", "lifetime_days": 7},
        content_type="application/json",
    )
    assert response.status_code == 201
    raw = response.json()["meta"]["token"]
    assert acme_client.get("/api/v1/me/", **bearer(raw)).status_code == 200
    listed = acme_owner_client.get("/api/v1/tokens/").json()
    assert raw not in str(listed)
    assert [t["name"] for t in listed["data"]] == ["deploy script"]
    assert AuditEvent.objects.filter(action="api_token.create", organization=acme).exists()


def test_token_fields_are_validated(acme_owner_client):
    response = acme_owner_client.post(
        "/api/v1/tokens/",
        {"name": "", "scope": "admin", "lifetime_days": 0},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"name", "scope", "lifetime_days"}


def test_members_see_their_tokens_admins_see_and_revoke_all(
    acme, owner_of, member_of, token_for, bearer, acme_client
):
    owner, owner_client = owner_of(acme)
    member, member_client = member_of(acme)
    member_token, member_raw = token_for(acme, member)
    owner_token, _ = token_for(acme, owner)

    member_ids = [t["id"] for t in member_client.get("/api/v1/tokens/").json()["data"]]
    assert member_ids == [member_token.id]
    assert member_client.delete(f"/api/v1/tokens/{owner_token.id}/").status_code == 404
    owner_ids = {t["id"] for t in owner_client.get("/api/v1/tokens/").json()["data"]}
    assert owner_ids == {member_token.id, owner_token.id}

    assert owner_client.delete(f"/api/v1/tokens/{member_token.id}/").status_code == 204
    assert acme_client.get("/api/v1/me/", **bearer(member_raw)).status_code == 401


def test_token_list_query_count_does_not_grow_with_rows(
    acme, owner_of, token_for, django_assert_num_queries
):
    owner, client = owner_of(acme)
    client.get("/api/v1/tokens/")
    for _ in range(5):
        token_for(acme, owner)
    with django_assert_num_queries(2):  # the signed-in user, the page with its users joined
        assert len(client.get("/api/v1/tokens/").json()["data"]) == 5


def test_deactivated_members_token_is_401(
    acme, owner_of, member_of, token_for, bearer, acme_client
):
    owner, _ = owner_of(acme)
    member, _ = member_of(acme)
    _token, raw = token_for(acme, member)
    assert acme_client.get("/api/v1/me/", **bearer(raw)).status_code == 200
    with tenant_context(acme):
        member_deactivate(member=member, deactivated_by=owner)
    assert acme_client.get("/api/v1/me/", **bearer(raw)).status_code == 401
