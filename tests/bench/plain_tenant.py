"""The plain-Django baseline's stand-in for tenant routing: the page's template reads
`request.tenant`, and a missing attribute makes Django's template engine raise and catch
on every lookup. This sets a fixed one at no cost, so the baseline isn't slowed by that."""

from collections.abc import Callable
from types import SimpleNamespace

from django.http import HttpRequest, HttpResponse

_TENANT = SimpleNamespace(
    name="Bench 0", slug="bench-0000", schema_name="org_bench_0000", is_public=False,
    require_mfa=False, open_signup=False,
)  # fmt: skip


class FixedTenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = _TENANT
        return self.get_response(request)
