"""The operations endpoints, served by OperationsEndpointsMiddleware on any host."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from shared_apps.operations import health
from shared_apps.operations.selectors import domain_may_get_certificate


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else, so a database outage doesn't
    make the orchestrator restart every web process."""
    return JsonResponse(
        {"status": "ok", "version": settings.APP_VERSION, "commit": settings.APP_COMMIT}
    )


def readyz(request: HttpRequest) -> HttpResponse:
    ready, checks = health.readiness()
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


def domain_check(request: HttpRequest) -> HttpResponse:
    """Caddy's on-demand TLS `ask`: 200 lets it get a certificate for ?domain=, else 404."""
    domain = request.GET.get("domain", "")
    if not domain:
        return HttpResponse("Missing ?domain=\n", status=400, content_type="text/plain")
    if domain_may_get_certificate(domain=domain):
        return HttpResponse("ok\n", content_type="text/plain")
    return HttpResponse("not a domain of an active organization\n", status=404,
                        content_type="text/plain")  # fmt: skip
