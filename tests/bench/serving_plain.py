"""The serving benchmark control's stand-in for tenant routing: one fixed organization
(BENCH_PLAIN_SCHEMA, named BENCH_PLAIN_NAME), set on the request at no cost."""

from collections.abc import Callable
from types import SimpleNamespace

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

from config.env import env

_TENANT = SimpleNamespace(
    name=env.str("BENCH_PLAIN_NAME"), schema_name=env.str("BENCH_PLAIN_SCHEMA"),
    is_public=False, require_mfa=False, open_signup=False,
)  # fmt: skip


class FixedTenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # No schema to reset after each request on Django's own backend (apps.py connects it).
        request_finished.disconnect(dispatch_uid="tenantry-reset-tenant")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = _TENANT
        return self.get_response(request)
