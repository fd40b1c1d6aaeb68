"""Absolute URLs on the platform's and organizations' hosts (emails, redirects, the status
pages). Not a URLconf: the URLconfs are config/urls_public.py and config/urls_tenant.py."""

from django.conf import settings

from shared_apps.tenants.models import Organization


def site_url(
    hostname: str, path: str = "/", *, scheme: str | None = None, port: str | None = None
) -> str:
    """`path` on `hostname`, on the configured public scheme and port (PUBLIC_URL_SCHEME,
    PUBLIC_URL_PORT) unless given: the status pages pass the visitor's own."""
    scheme = scheme or settings.PUBLIC_URL_SCHEME
    port = settings.PUBLIC_URL_PORT if port is None else port
    suffix = f":{port}" if port else ""
    return f"{scheme}://{hostname}{suffix}{path}"


def organization_url(organization: Organization, path: str = "/") -> str:
    """`path` on the organization's primary domain (its subdomain unless it chose another)."""
    primary = organization.domains.filter(is_primary=True).first()
    hostname = primary.domain if primary else f"{organization.slug}.{settings.PLATFORM_DOMAIN}"
    return site_url(hostname, path)


def platform_url(path: str = "/", *, scheme: str | None = None, port: str | None = None) -> str:
    """`path` on the platform's own host (the public site and the console)."""
    return site_url(settings.PLATFORM_DOMAIN, path, scheme=scheme, port=port)
