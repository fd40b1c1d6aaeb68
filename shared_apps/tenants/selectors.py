"""Reads on organizations."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet

from shared_apps.tenants.models import Organization
from shared_apps.tenants.validators import normalize_slug


def organization_get(*, slug: str) -> Organization:
    """The organization with this slug; Organization.DoesNotExist otherwise."""
    return Organization.objects.get(slug=normalize_slug(slug))


def organizations_list(*, status: str | None = None) -> QuerySet[Organization]:
    organizations = Organization.objects.prefetch_related("domains").order_by("slug")
    if status:
        organizations = organizations.filter(status=status)
    return organizations


def owner_invitation_expires_at(organization: Organization) -> datetime | None:
    """When the pending owner's latest invitation stops working (None: nobody pending)."""
    if not organization.pending_owner_email or organization.owner_invited_at is None:
        return None
    return organization.owner_invited_at + timedelta(days=settings.INVITATION_LIFETIME_DAYS)
