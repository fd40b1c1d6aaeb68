"""config.urls_tenant (its error handlers included) plus /fail/<status>/, which raises what
Django turns into that status: for test_error_pages.py."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from config.urls_tenant import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls_tenant import urlpatterns as project_urlpatterns

_RAISES = {
    400: SuspiciousOperation("a malformed request"),
    403: PermissionDenied("not for you"),
    404: Http404("no such thing"),
    500: RuntimeError("a bug"),
}


def fail(request: HttpRequest, status: int) -> HttpResponse:
    raise _RAISES[status]


urlpatterns = [path("fail/<int:status>/", fail), *project_urlpatterns]
