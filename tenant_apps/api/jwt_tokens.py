"""RS256 access tokens bound to one organization: `iss` is the host called, `org` its schema.

Issued in exchange for a session or a personal API token (never for another JWT, so an
access token cannot extend itself), carrying that credential's scope. Verified only with
a published key (jwt_keys), only at the host and schema named in the claims.
"""

import datetime
import secrets
from dataclasses import dataclass

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from tenant_apps.api.jwt_keys import current_key, published_keys


class JwtUnavailable(Exception):
    """No signing key is installed (JWT_PRIVATE_KEYS_DIR is empty)."""


@dataclass(frozen=True)
class JwtCredential:
    """What request.auth holds for a JWT: its claims and the scope they grant."""

    claims: dict
    scope: str


def access_token_issue(*, user, scope: str, issuer: str) -> tuple[str, int]:
    """A signed access token and its lifetime in seconds."""
    key = current_key()
    if key is None:
        raise JwtUnavailable
    lifetime = settings.JWT_ACCESS_TOKEN_SECONDS
    now = timezone.now()
    claims = {
        "iss": issuer,
        "aud": settings.JWT_AUDIENCE,
        "org": connection.schema_name,
        "sub": str(user.pk),
        "scope": scope,
        "iat": now,
        "exp": now + datetime.timedelta(seconds=lifetime),
        "jti": secrets.token_urlsafe(16),
    }
    token = jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    return token, lifetime


def access_token_verify(raw: str, *, issuer: str):
    """(user, JwtCredential) when `raw` is valid here, else None."""
    try:
        kid = jwt.get_unverified_header(raw).get("kid")
    except jwt.InvalidTokenError:
        return None
    key = next((k for k in published_keys() if k.kid == kid), None)
    if key is None:
        return None  # unknown or retired key
    try:
        claims = jwt.decode(
            raw,
            key.private_key.public_key(),
            algorithms=["RS256"],
            audience=settings.JWT_AUDIENCE,
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "org", "scope"]},
        )
    except jwt.InvalidTokenError:
        return None
    if claims["org"] != connection.schema_name:
        return None
    user = get_user_model().objects.filter(pk=claims["sub"], is_active=True).first()
    if user is None:
        return None
    return user, JwtCredential(claims=claims, scope=claims["scope"])
