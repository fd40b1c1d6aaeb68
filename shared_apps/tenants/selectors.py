"""Reads on organizations."""

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
