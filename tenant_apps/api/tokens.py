"""Personal API tokens: create (shown once), authenticate, revoke. One code path for the
settings page, the API and `manage.py api_token`.

A token reads `tpat_<prefix>_<secret>`: the prefix finds the row, the digest of
schema + token proves it. Both lookups run in the schema of the host called, so a token
made at one organization is unknown at every other.
"""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from shared_apps.tenants.audit import Actor, audit_record
from tenant_apps.accounts.roles import Role, has_role
from tenant_apps.api.models import ApiToken

TOKEN_PREFIX = "tpat_"
MAX_LIFETIME_DAYS = 366


def _digest(raw: str) -> str:
    return hashlib.sha256(f"{connection.schema_name}:{raw}".encode()).hexdigest()


def _parse(raw: str) -> str | None:
    """The prefix of a well-formed token, else None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix, _, secret = raw[len(TOKEN_PREFIX) :].partition("_")
    return prefix if prefix and secret else None


def token_create(
    *, user, name: str, scope: str, lifetime_days: int, actor: Actor
) -> tuple[ApiToken, str]:
    """A new token for `user`; the raw value is returned once and never stored."""
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = "Give the token a name (what uses it)."
    if scope not in ApiToken.Scope.values:
        errors["scope"] = f"Choose one of: {', '.join(ApiToken.Scope.values)}."
    if not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        errors["lifetime_days"] = f"Between 1 and {MAX_LIFETIME_DAYS} days."
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(6)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            scope=scope,
            prefix=prefix,
            digest=_digest(raw),
            expires_at=timezone.now() + datetime.timedelta(days=lifetime_days),
        )
        audit_record(
            actor=actor,
            action="api_token.create",
            organization=connection.tenant,
            token=prefix,
            user=user.email,
            scope=scope,
        )
    return token, raw


def token_authenticate(raw: str) -> ApiToken | None:
    """The live token `raw` names in this organization (last use recorded), else None."""
    prefix = _parse(raw)
    if prefix is None:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    now = timezone.now()
    if token.revoked_at is not None or token.expires_at <= now:
        return None
    resolution = datetime.timedelta(seconds=settings.API_TOKEN_LAST_USED_RESOLUTION)
    if token.last_used_at is None or now - token.last_used_at >= resolution:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_revoke(*, token: ApiToken, by, actor: Actor) -> ApiToken:
    """Revoke: the token's owner may, and so may the organization's admins; `by=None` is
    an operator at the command line (manage.py api_token), who may too."""
    if by is not None and token.user_id != by.pk and not has_role(by, Role.ADMIN):
        raise PermissionDenied("Only the token's owner or an admin may revoke it.")
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoke",
            organization=connection.tenant,
            token=token.prefix,
            user=token.user.email,
        )
    return token


def tokens_visible_to(user):
    """The tokens `user` may see: their own; an admin (or `None`, an operator at the
    command line) sees the organization's."""
    tokens = ApiToken.objects.select_related("user")
    return tokens if user is None or has_role(user, Role.ADMIN) else tokens.filter(user=user)
