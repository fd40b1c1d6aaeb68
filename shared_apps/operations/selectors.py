"""Reads for the operations endpoints."""

from shared_apps.tenants.models import Domain, Organization
from shared_apps.tenants.validators import InvalidHost, normalize_hostname


def domain_may_get_certificate(*, domain: str) -> bool:
    """Whether the proxy may obtain a TLS certificate for `domain`.

    Only a verified domain of an active organization qualifies: anything else would let
    whoever points a name at us make the proxy request certificates (and spend the
    certificate authority's rate limits) for it.
    """
    try:
        hostname = normalize_hostname(domain)
    except InvalidHost:
        return False
    return Domain.objects.filter(
        domain=hostname, is_verified=True, tenant__status=Organization.Status.ACTIVE
    ).exists()
