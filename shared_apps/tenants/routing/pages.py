"""The pages the routing middleware answers with itself, before any app code runs."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from shared_apps.tenants.models import Organization
from shared_apps.tenants.routing.links import platform_url


def _common(request: HttpRequest) -> dict[str, object]:
    """Rendered without context processors (no app has run): the CSP middleware, ahead of
    the router, made the nonce the page's one <style> needs."""
    return {"platform_name": settings.PLATFORM_NAME, "CSP_NONCE": getattr(request, "csp_nonce", "")}


def _page(
    request: HttpRequest, template: str, status: int, port: str, **context: object
) -> HttpResponse:
    context = {
        # The public site, on the scheme and port the visitor used (`port` from their Host).
        "platform_url": platform_url("/", scheme=request.scheme, port=port),
        **_common(request),
        **context,
    }
    return HttpResponse(render_to_string(template, context), status=status)


def bad_host(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        render_to_string("errors/bad_host.html", _common(request)),
        status=400,
    )


def unknown_organization(request: HttpRequest, hostname: str, port: str) -> HttpResponse:
    return _page(request, "errors/unknown_organization.html", 404, port, hostname=hostname)


def schema_missing(request: HttpRequest, organization: Organization, port: str) -> HttpResponse:
    """Its schema is gone (dropped behind the platform's back, a failed restore…): refused,
    whatever its status says, so no query can fall through to the public schema."""
    return _page(request, "errors/unavailable.html", 503, port, organization=organization)


def status_gate(request: HttpRequest, organization: Organization, port: str) -> HttpResponse | None:
    """The page for an organization that isn't open for work, or None when it is."""
    status = organization.status
    if status == Organization.Status.ACTIVE:
        return None
    if status == Organization.Status.PROVISIONING:
        response = _page(request, "errors/provisioning.html", 503, port, organization=organization)
        response["Retry-After"] = "5"
        return response
    if status == Organization.Status.SUSPENDED:
        return _page(request, "errors/suspended.html", 403, port, organization=organization)
    return unknown_organization(request, organization.domain_url, port)
