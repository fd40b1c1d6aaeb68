"""Platform API tokens: shown once, stored as a SHA-256 digest."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shared_apps.tenants.audit import Actor, audit_record
from shared_apps.tenants.models import PlatformAPIToken

TOKEN_PREFIX = "tnt_"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, name: str, actor: Actor) -> tuple[PlatformAPIToken, str]:
    """A new token; the raw value is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name (what uses it)."})
    if PlatformAPIToken.objects.filter(name=name).exists():
        raise ValidationError({"name": f"A token named “{name}” exists already."})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = PlatformAPIToken.objects.create(
            name=name, token_digest=_digest(raw), prefix=raw[:10], created_by=actor.label
        )
        audit_record(actor=actor, action="api_token.create", organization=None, token=name)
    return token, raw


def api_token_authenticate(raw: str) -> PlatformAPIToken | None:
    token = PlatformAPIToken.objects.filter(
        token_digest=_digest(raw), revoked_at__isnull=True
    ).first()
    if token is not None:
        PlatformAPIToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def api_token_revoke(*, token: PlatformAPIToken, actor: Actor) -> PlatformAPIToken:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", organization=None, token=token.name)
    return token
