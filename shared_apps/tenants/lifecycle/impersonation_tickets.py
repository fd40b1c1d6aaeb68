"""Support impersonation: staff enter an organization as one of its members, audited.

The console (public host) signs a one-use, one-minute ticket naming the organization's
schema, the member and the staff member, signed for that schema only (signing.py); the
organization's host redeems it, signs the staff member in as that member for
IMPERSONATION_MINUTES, and shows a banner on every page until it ends (on request or by
time). The ticket's issue, its use and the end are in the audit log.
"""

import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError

from shared_apps.tenants.audit import Actor, audit_record
from shared_apps.tenants.models import Organization
from shared_apps.tenants.runtime import signing as schema_signing

_PURPOSE = "tenantry.impersonation"
_TICKET_SECONDS = 60


def impersonation_ticket(
    *, organization: Organization, user_id: int, user_email: str, actor: Actor
) -> str:
    if organization.status != Organization.Status.ACTIVE:
        raise ValidationError("Only an active organization can be entered.")
    ticket = schema_signing.dumps(
        {
            "schema": organization.schema_name,
            "user": user_id,
            "email": user_email,
            "staff": actor.label,
            "nonce": secrets.token_hex(12),
        },
        purpose=_PURPOSE,
        schema=organization.schema_name,
    )
    audit_record(
        actor=actor, action="impersonation.start", organization=organization, member=user_email
    )
    return ticket


def impersonation_redeem(*, ticket: str, organization: Organization) -> dict[str, Any]:
    """The ticket's contents, if it is genuine, fresh, unused and for this organization
    (a ticket signed for another organization's schema fails its signature here)."""
    try:
        claims = schema_signing.loads(
            ticket, purpose=_PURPOSE, schema=organization.schema_name, max_age=_TICKET_SECONDS
        )
    except signing.SignatureExpired:
        raise ValidationError(
            "This support link has expired; start again from the console."
        ) from None
    except signing.BadSignature:
        raise ValidationError("This support link is not valid for this organization.") from None
    if claims["schema"] != organization.schema_name:
        raise ValidationError("This support link is not valid for this organization.")
    if not cache.add(f"impersonation-ticket:{claims['nonce']}", 1, timeout=_TICKET_SECONDS * 2):
        raise ValidationError("This support link has already been used.")
    return claims


def impersonation_entered(
    *, organization: Organization, staff: str, member: str, ip_address: str | None
) -> None:
    """A ticket was used: who entered which organization as which member, from where."""
    audit_record(
        actor=Actor(label=staff, ip_address=ip_address),
        action="impersonation.enter",
        organization=organization,
        member=member,
    )


def impersonation_ended(
    *, organization: Organization, staff: str, member: str, reason: str, ip_address: str | None
) -> None:
    audit_record(
        actor=Actor(label=staff, ip_address=ip_address),
        action="impersonation.end",
        organization=organization,
        member=member,
        reason=reason,
    )


def impersonation_minutes() -> int:
    return settings.IMPERSONATION_MINUTES
