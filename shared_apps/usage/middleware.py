"""Meter each signed-in member's request on an organization's host (after the view ran,
so a member authenticated by the API's token is seen too: DRF sets the request's user)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from shared_apps.usage import meters


class UsageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        tenant = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        if (
            tenant is not None
            and not getattr(tenant, "is_public", False)
            and user is not None
            and user.is_authenticated
        ):
            meters.record_request(
                schema=tenant.schema_name,
                member_id=user.pk,
                api=request.path.startswith(settings.USAGE_API_PATH_PREFIX),
            )
        return response
