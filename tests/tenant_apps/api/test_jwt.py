"""RS256 access tokens: bound to the organization's host and schema, verified only with a
published key; rotation keeps the previous key until its tokens expire."""

import datetime
import io

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from django.utils import timezone

from tenant_apps.api import jwt_keys
from tests.tenant_apps.api.hosts import host_of

pytestmark = pytest.mark.django_db


def _exchange(client, **headers) -> str:
    response = client.post("/api/v1/auth/token/", **headers)
    assert response.status_code == 200, response.content
    return response.json()["data"]["access_token"]


def _forge(key, kid, **claims) -> str:
    now = timezone.now()
    base = {
        "aud": "tenantry-api",
        "sub": "1",
        "scope": "read-write",
        "iat": now,
        "exp": now + datetime.timedelta(minutes=5),
    }
    return jwt.encode({**base, **claims}, key, algorithm="RS256", headers={"kid": kid})


def _key(kid):
    return next(k for k in jwt_keys.all_keys() if k.kid == kid).private_key


def test_exchanged_token_carries_kid_issuer_audience_and_organization(
    keys_dir, acme, acme_owner_client, acme_client
):
    kid = jwt_keys.key_generate()
    token = _exchange(acme_owner_client)
    assert jwt.get_unverified_header(token)["kid"] == kid
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == f"http://{host_of(acme)}"
    assert claims["org"] == acme.schema_name
    assert claims["aud"] == "tenantry-api"
    assert claims["exp"] - claims["iat"] == 300

    me = acme_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200
    assert me.json()["meta"]["credential"] == "jwt"


def test_acme_jwt_is_401_at_globex(keys_dir, acme_owner_client, globex_client):
    jwt_keys.key_generate()
    token = _exchange(acme_owner_client)
    assert globex_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


@pytest.mark.parametrize("names_globex", ["iss", "org"])
def test_jwt_naming_globex_is_401_at_acme_even_signed_by_the_current_key(
    keys_dir, acme, globex, owner_of, acme_client, names_globex
):
    owner, _ = owner_of(acme)
    kid = jwt_keys.key_generate()
    claims = {"iss": f"http://{host_of(acme)}", "org": acme.schema_name, "sub": str(owner.pk)}
    assert (
        acme_client.get(
            "/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {_forge(_key(kid), kid, **claims)}"
        ).status_code
        == 200
    )  # the control: the same forge, naming Acme, is accepted
    claims[names_globex] = f"http://{host_of(globex)}" if names_globex == "iss" else "globex"
    token = _forge(_key(kid), kid, **claims)
    assert acme_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_unknown_key_and_wrong_signature_are_401(keys_dir, acme, owner_of, acme_client):
    owner, _ = owner_of(acme)
    kid = jwt_keys.key_generate()
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"iss": f"http://{host_of(acme)}", "org": acme.schema_name, "sub": str(owner.pk)}
    for token in (_forge(stranger, "someone-elses", **claims), _forge(stranger, kid, **claims)):
        response = acme_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 401


def test_rotation_keeps_old_tokens_until_they_expire_then_the_key_retires(
    keys_dir, acme_owner_client, acme_client, settings
):
    old_kid = jwt_keys.key_generate(created_at=timezone.now() - datetime.timedelta(days=1))
    old_token = _exchange(acme_owner_client)
    out = io.StringIO()
    call_command("jwt_keys", "rotate", stdout=out)
    new_kid = out.getvalue().split()[3]

    assert jwt.get_unverified_header(_exchange(acme_owner_client))["kid"] == new_kid
    published = {k["kid"] for k in acme_client.get("/.well-known/jwks.json").json()["keys"]}
    assert published == {old_kid, new_kid}
    auth = {"HTTP_AUTHORIZATION": f"Bearer {old_token}"}
    assert acme_client.get("/api/v1/me/", **auth).status_code == 200

    # Once the old key's tokens have all expired (successor's age > lifetime) it retires.
    settings.JWT_ACCESS_TOKEN_SECONDS = 0
    assert acme_client.get("/api/v1/me/", **auth).status_code == 401
    published = {k["kid"] for k in acme_client.get("/.well-known/jwks.json").json()["keys"]}
    assert published == {new_kid}
    call_command("jwt_keys", "prune", stdout=io.StringIO())
    assert sorted(p.stem for p in keys_dir.iterdir()) == [new_kid]


def test_expired_jwt_is_401(keys_dir, acme, owner_of, acme_client):
    owner, _ = owner_of(acme)
    kid = jwt_keys.key_generate()
    past = timezone.now() - datetime.timedelta(hours=1)
    token = _forge(
        _key(kid), kid, iss=f"http://{host_of(acme)}", org=acme.schema_name,
        sub=str(owner.pk), iat=past, exp=past + datetime.timedelta(minutes=5),
    )  # fmt: skip
    assert acme_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_jwks_is_on_every_host_and_holds_public_keys_only(keys_dir, acme_client, globex_client):
    jwt_keys.key_generate()
    acme_keys = acme_client.get("/.well-known/jwks.json").json()["keys"]
    assert acme_keys == globex_client.get("/.well-known/jwks.json").json()["keys"]
    assert {"kty", "n", "e", "kid", "alg", "use"} <= set(acme_keys[0])
    assert not {"d", "p", "q"} & set(acme_keys[0])


def test_jwt_keeps_the_scope_of_what_it_was_exchanged_for(
    keys_dir, acme, owner_of, token_for, bearer, acme_client
):
    owner, _ = owner_of(acme)
    jwt_keys.key_generate()
    _token, raw = token_for(acme, owner, scope="read")
    access = _exchange(acme_client, **bearer(raw))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {access}"}
    assert acme_client.get("/api/v1/projects/", **auth).status_code == 200
    response = acme_client.post(
        "/api/v1/projects/", {"name": "x"}, content_type="application/json", **auth
    )
    assert response.status_code == 403
    # and an access token cannot mint its own successor
    assert acme_client.post("/api/v1/auth/token/", **auth).status_code == 403


def test_no_signing_key_is_a_clear_503(keys_dir, acme_owner_client):
    response = acme_owner_client.post("/api/v1/auth/token/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "jwt_unavailable"


def test_garbage_bearer_is_401(acme_client):
    response = acme_client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer not.a.jwt")
    assert response.status_code == 401


def _pair(client, **headers) -> dict:
    response = client.post("/api/v1/auth/token/", **headers)
    assert response.status_code == 200, response.content
    return response.json()["data"]


def _refresh(client, refresh_token, path="refresh"):
    return client.post(
        f"/api/v1/auth/token/{path}/",
        {"refresh_token": refresh_token},
        content_type="application/json",
    )


def test_refresh_token_is_spent_once_for_a_new_pair(keys_dir, acme_owner_client, acme_client):
    jwt_keys.key_generate()
    first = _pair(acme_owner_client)
    response = _refresh(acme_client, first["refresh_token"])
    assert response.status_code == 200
    second = response.json()["data"]
    me = acme_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {second['access_token']}")
    assert me.status_code == 200
    assert _refresh(acme_client, first["refresh_token"]).status_code == 401  # spent


def test_revoked_refresh_token_is_refused(keys_dir, acme_owner_client, acme_client):
    jwt_keys.key_generate()
    pair = _pair(acme_owner_client)
    assert _refresh(acme_client, pair["refresh_token"], "revoke").status_code == 204
    assert _refresh(acme_client, pair["refresh_token"]).status_code == 401
    assert _refresh(acme_client, "tprt_never-issued", "revoke").status_code == 204


def test_acme_refresh_token_is_401_at_globex(keys_dir, acme_owner_client, globex_client):
    jwt_keys.key_generate()
    pair = _pair(acme_owner_client)
    response = _refresh(globex_client, pair["refresh_token"])
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_refresh_keeps_a_read_only_scope(keys_dir, acme, owner_of, token_for, bearer, acme_client):
    owner, _ = owner_of(acme)
    jwt_keys.key_generate()
    _token, raw = token_for(acme, owner, scope="read")
    pair = _pair(acme_client, **bearer(raw))
    renewed = _refresh(acme_client, pair["refresh_token"]).json()["data"]
    assert renewed["scope"] == "read"
    assert jwt.decode(renewed["access_token"], options={"verify_signature": False})["scope"] == (
        "read"
    )
