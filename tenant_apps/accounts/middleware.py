"""Enforces an organization's "every member uses two-factor authentication" policy, on
pages (RequireMFAMiddleware) and on sockets (TenantConsumer asks `mfa_setup_required`)."""

from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

_SESSION_FLAG = "tenantry_mfa_ok"
# Pages a member must still reach before having a second factor: setting one up, signing
# out, ending a support session (staff in as a member without one), and static files.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/impersonate/end/")


def mfa_setup_required(*, organization: Any, user: Any, session: Any) -> bool:
    """True when the organization requires two-factor and this signed-in user has none.

    A yes from the database is remembered in the session (one query per session, not per
    request); `mfa_pass_forget` drops it when an authenticator is removed.
    """
    if not getattr(organization, "require_mfa", False) or not user.is_authenticated:
        return False
    if session.get(_SESSION_FLAG):
        return False
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        session[_SESSION_FLAG] = True
        return False
    return True


def mfa_pass_forget(request: HttpRequest) -> None:
    """The session's second factor is gone (authenticator removed): check again."""
    if hasattr(request, "session"):
        request.session.pop(_SESSION_FLAG, None)


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_ALLOWED_PREFIXES) and mfa_setup_required(
            organization=getattr(request, "tenant", None),
            user=request.user,
            session=request.session,
        ):
            messages.warning(
                request,
                f"{request.tenant.name} requires two-factor authentication. "
                "Set up an authenticator app to continue.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
