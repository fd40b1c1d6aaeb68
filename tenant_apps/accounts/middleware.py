"""Enforces an organization's "every member uses two-factor authentication" policy."""

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

_SESSION_FLAG = "tenantry_mfa_ok"
# Pages a member must still reach before having a second factor: setting one up, signing
# out, and the static files those pages use.
_ALLOWED_PREFIXES = ("/accounts/", "/static/")


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_set_up_mfa(request):
            messages.warning(
                request,
                f"{request.tenant.name} requires two-factor authentication. "
                "Set up an authenticator app to continue.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _must_set_up_mfa(request: HttpRequest) -> bool:
        tenant = getattr(request, "tenant", None)
        if not getattr(tenant, "require_mfa", False) or not request.user.is_authenticated:
            return False
        if request.session.get(_SESSION_FLAG) or request.path.startswith(_ALLOWED_PREFIXES):
            return False
        if Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists():
            request.session[_SESSION_FLAG] = True
            return False
        return True
