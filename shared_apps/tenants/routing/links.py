"""Absolute URLs on an organization's own host, for emails and other places with no request."""

from django.conf import settings

from shared_apps.tenants.models import Organization


def site_url(hostname: str, path: str = "/") -> str:
    port = f":{settings.PUBLIC_URL_PORT}" if settings.PUBLIC_URL_PORT else ""
    return f"{settings.PUBLIC_URL_SCHEME}://{hostname}{port}{path}"


def organization_url(organization: Organization, path: str = "/") -> str:
    """`path` on the organization's primary domain (its subdomain unless it chose another)."""
    primary = organization.domains.filter(is_primary=True).first()
    hostname = primary.domain if primary else f"{organization.slug}.{settings.PLATFORM_DOMAIN}"
    return site_url(hostname, path)


def platform_url(path: str = "/") -> str:
    return site_url(settings.PLATFORM_DOMAIN, path)
