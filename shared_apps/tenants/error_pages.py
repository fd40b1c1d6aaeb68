"""Django's error views (400, 403, 403 CSRF, 404, 500) rendered in the platform's layout.

Each page gets the same small context: the platform's name and nothing else. No request
context processors run and nothing touches the database, so a 500 raised because the
database is down still renders, and no page names an organization or its data; the link
home is relative, so it leads to the front page of the host the visitor is on.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def _page(template: str, status: int) -> HttpResponse:
    body = render_to_string(template, {"platform_name": settings.PLATFORM_NAME})
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page("400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page("403.html", 403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page("403_csrf.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page("404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _page("500.html", 500)
