"""RS256 access tokens bound to one organization: `iss` is the host called, `org` its schema.

Issued in exchange for a session or a personal API token (never for another JWT, so an
access token cannot extend itself), carrying that credential's scope. Verified only with
a published key (jwt_keys), only at the host and schema named in the claims.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from tenant_apps.api.jwt_keys import current_key, published_keys
from tenant_apps.api.models import ApiToken, RefreshToken

REFRESH_PREFIX = "tprt_"


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


def _refresh_digest(raw: str) -> str:
    return hashlib.sha256(f"{connection.schema_name}:{raw}".encode()).hexdigest()


def refresh_token_issue(*, user, scope: str, api_token: ApiToken | None = None) -> str:
    """A new refresh token; `api_token` is the personal token the chain began with, if any."""
    raw = REFRESH_PREFIX + secrets.token_urlsafe(32)
    RefreshToken.objects.create(
        user=user,
        scope=scope,
        api_token=api_token,
        digest=_refresh_digest(raw),
        expires_at=timezone.now() + datetime.timedelta(seconds=settings.JWT_REFRESH_TOKEN_SECONDS),
    )
    return raw


def refresh_token_use(raw: str) -> RefreshToken | None:
    """Spend a live refresh token of this organization (once); None when it is not one."""
    with transaction.atomic():
        token = (
            RefreshToken.objects.select_for_update(of=("self",))
            .select_related("user", "api_token")
            .filter(digest=_refresh_digest(raw), revoked_at__isnull=True)
            .first()
        )
        now = timezone.now()
        if token is None or token.expires_at <= now or not token.user.is_active:
            return None
        source = token.api_token
        if source is not None and (source.revoked_at is not None or source.expires_at <= now):
            return None  # the personal token it began with is revoked or expired
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def refresh_token_revoke(raw: str) -> None:
    """Revoke; unknown or spent tokens are ignored (the answer reveals nothing, RFC 7009)."""
    RefreshToken.objects.filter(digest=_refresh_digest(raw), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
