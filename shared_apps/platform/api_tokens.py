"""Platform API tokens: shown once, stored as a SHA-256 digest, scoped (read or read-write)
and expiring. One code path for the console page, the command and the API's authentication.
"""

import datetime
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shared_apps.tenants.audit import Actor, audit_record
from shared_apps.tenants.models import PlatformAPIToken

TOKEN_PREFIX = "tnt_"
MAX_LIFETIME_DAYS = 366
DEFAULT_LIFETIME_DAYS = 90


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(
    *,
    name: str,
    actor: Actor,
    scope: str = PlatformAPIToken.Scope.READ,
    lifetime_days: int = DEFAULT_LIFETIME_DAYS,
) -> tuple[PlatformAPIToken, str]:
    """A new token; the raw value is returned once and never stored."""
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = "Give the token a name (what uses it)."
    elif PlatformAPIToken.objects.filter(name=name).exists():
        errors["name"] = f"A token named “{name}” exists already."
    if scope not in PlatformAPIToken.Scope.values:
        errors["scope"] = f"Choose one of: {', '.join(PlatformAPIToken.Scope.values)}."
    if not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        errors["lifetime_days"] = f"Between 1 and {MAX_LIFETIME_DAYS} days."
    if errors:
        raise ValidationError(errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + datetime.timedelta(days=lifetime_days)
    with transaction.atomic():
        token = PlatformAPIToken.objects.create(
            name=name,
            token_digest=_digest(raw),
            prefix=raw[:10],
            scope=scope,
            expires_at=expires_at,
            created_by=actor.label,
        )
        audit_record(
            actor=actor,
            action="api_token.create",
            organization=None,
            token=name,
            scope=scope,
            expires_at=expires_at.isoformat(),
        )
    return token, raw


def api_token_authenticate(raw: str) -> PlatformAPIToken | None:
    """The live token `raw` names (last use recorded), else None: unknown, revoked, expired."""
    now = timezone.now()
    token = PlatformAPIToken.objects.filter(
        token_digest=_digest(raw), revoked_at__isnull=True, expires_at__gt=now
    ).first()
    if token is not None:
        PlatformAPIToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_revoke(*, token: PlatformAPIToken, actor: Actor) -> PlatformAPIToken:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", organization=None, token=token.name)
    return token
