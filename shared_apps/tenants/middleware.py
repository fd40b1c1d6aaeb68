"""Selects the organization (and its schema and URLconf) from the Host header."""

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.security import SecurityMiddleware
from django_tenants.middleware.main import TenantMainMiddleware

from shared_apps.tenants import pages
from shared_apps.tenants.hosts import InvalidHost, resolved_host, split_host
from shared_apps.tenants.public import PlatformSite
from shared_apps.tenants.resolver import resolve_hostname


class SecurityHeadersMiddleware(SecurityMiddleware):
    """SecurityMiddleware's response headers (nosniff, Referrer-Policy, COOP, HSTS), put
    ahead of routing so that the router's own pages carry them too. Its HTTPS redirect
    stays with SecurityMiddleware after routing: it reads the Host header, which only the
    router may admit (custom domains are allowed per request, once matched)."""

    def process_request(self, request: HttpRequest) -> None:
        return None


class TenantRoutingMiddleware(TenantMainMiddleware):
    """Ahead of app middleware, after the security headers'. Every request ends in exactly one of:

    * the public site (the platform host),
    * an active organization's app, its schema selected on the connection,
    * a page of our own that runs no app code: bad host (400), unknown organization (404),
      being set up (503), suspended (403).
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        # The connection is on public here (request_finished puts it back after every
        # request) and the lookup below reads public explicitly; each branch sets its own.
        resolved_host.set(None)
        try:
            hostname, port = split_host(request._get_raw_host())
        except InvalidHost:
            return pages.bad_host(request)

        resolution = resolve_hostname(hostname)
        if resolution.is_unknown:
            return pages.unknown_organization(request, hostname, port)

        # Later get_host() calls (CSRF, CommonMiddleware, absolute URLs) see the normal form.
        request.META["HTTP_HOST"] = f"{hostname}:{port}" if port else hostname
        request.META.pop("HTTP_X_FORWARDED_HOST", None)
        resolved_host.set(hostname)

        if resolution.is_public:
            request.tenant = PlatformSite()
            connection.set_schema_to_public()
        else:
            organization = resolution.organization()
            gate = pages.status_gate(request, organization, port)
            if gate is not None:
                return gate
            request.tenant = organization
            connection.set_tenant(organization)
        self.setup_url_routing(request)
        return None


def reset_tenant_after_request(**_kwargs: Any) -> None:
    """Leave the connection on public between requests, whatever the next user of it is."""
    connection.set_schema_to_public()
    resolved_host.set(None)
