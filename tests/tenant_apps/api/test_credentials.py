"""Credentials as docs/api.md#credentials documents them, beyond test_tokens.py and
test_jwt.py: read-only tokens on every unsafe method, retired keys, refresh chains that end
with the personal token they began with, and each API's credentials refused by the other."""

import datetime

import jwt
import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.platform.api_tokens import api_token_create
from shared_apps.tenants.audit import Actor
from tenant_apps.api import jwt_keys
from tenant_apps.api.models import ApiToken
from tenant_apps.api.tokens import token_revoke
from tenant_apps.tracker.models import Project
from tests.tenant_apps.api.hosts import host_of

pytestmark = pytest.mark.django_db


def _signed(kid: str, organization, user) -> str:
    key = next(k for k in jwt_keys.all_keys() if k.kid == kid).private_key
    now = timezone.now()
    claims = {
        "iss": f"http://{host_of(organization)}", "aud": "tenantry-api",
        "org": organization.schema_name, "sub": str(user.pk), "scope": "read-write",
        "iat": now, "exp": now + datetime.timedelta(minutes=5),
    }  # fmt: skip
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "projects/"), ("patch", "projects/{project}/"), ("put", "projects/{project}/"),
     ("delete", "tokens/{token}/"), ("post", "tokens/")],
)  # fmt: skip
def test_a_read_only_token_is_403_on_every_unsafe_method_and_changes_nothing(
    acme, owner_of, token_for, bearer, acme_client, method, path
):
    owner, _ = owner_of(acme)
    token, raw = token_for(acme, owner, scope="read")
    with tenant_context(acme):
        project = Project.objects.create(name="Anvil")
    url = "/api/v1/" + path.format(project=project.pk, token=token.pk)
    body = {"name": "Changed", "scope": "read-write", "lifetime_days": 1}
    response = getattr(acme_client, method)(
        url, body, content_type="application/json", **bearer(raw)
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    with tenant_context(acme):
        assert list(Project.objects.values_list("name", flat=True)) == ["Anvil"]
        assert ApiToken.objects.get().revoked_at is None  # the one token, unrevoked


def test_a_fresh_signature_by_a_retired_key_is_401(keys_dir, acme, owner_of, acme_client):
    owner, _ = owner_of(acme)
    now = timezone.now()
    retired = jwt_keys.key_generate(created_at=now - datetime.timedelta(days=2))
    current = jwt_keys.key_generate(created_at=now - datetime.timedelta(hours=1))
    assert [k.kid for k in jwt_keys.published_keys()] == [current]
    me = "/api/v1/me/"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_signed(current, acme, owner)}"}
    assert acme_client.get(me, **auth).status_code == 200  # the control
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_signed(retired, acme, owner)}"}
    assert acme_client.get(me, **auth).status_code == 401


def test_an_acme_jwt_signed_by_the_current_key_is_401_at_globex(
    keys_dir, acme, globex, owner_of, globex_client
):
    acme_owner, _ = owner_of(acme)
    kid = jwt_keys.key_generate()
    token = _signed(kid, acme, acme_owner)
    response = globex_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("ends", ["revoked", "expired"])
def test_a_refresh_chain_ends_with_the_personal_token_it_began_with(
    keys_dir, acme, owner_of, token_for, bearer, acme_client, ends
):
    owner, _ = owner_of(acme)
    jwt_keys.key_generate()
    token, raw = token_for(acme, owner)
    pair = acme_client.post("/api/v1/auth/token/", **bearer(raw)).json()["data"]
    refresh = {"refresh_token": pair["refresh_token"]}
    renewed = acme_client.post("/api/v1/auth/token/refresh/", refresh, "application/json")
    assert renewed.status_code == 200  # the control: the chain works while the token lives
    with tenant_context(acme):
        if ends == "revoked":
            token_revoke(token=token, by=owner, actor=Actor.command_line())
        else:
            ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    refresh = {"refresh_token": renewed.json()["data"]["refresh_token"]}
    refused = acme_client.post("/api/v1/auth/token/refresh/", refresh, "application/json")
    assert refused.status_code == 401


def test_a_platform_token_is_401_on_an_organizations_api(acme_client, bearer):
    _token, raw = api_token_create(
        name="billing", scope="read-write", actor=Actor(label="ops@platform.test")
    )
    assert acme_client.get("/api/v1/me/", **bearer(raw)).status_code == 401


def test_an_organization_token_is_401_on_the_platform_api(
    acme, owner_of, token_for, bearer, public_client
):
    owner, _ = owner_of(acme)
    _token, raw = token_for(acme, owner)
    response = public_client.get("/platform/api/v1/organizations/", **bearer(raw))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
