"""Who may use the console: platform staff, on the platform host, with MFA where required."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect


def staff_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.tenant, "is_public", False):
            raise Http404("The console lives on the platform host.")
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise Http404("Not found.")
        if (
            settings.PLATFORM_CONSOLE_REQUIRE_MFA
            and not Authenticator.objects.filter(
                user=request.user, type=Authenticator.Type.TOTP
            ).exists()
        ):
            messages.warning(request, "The console requires two-factor authentication.")
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapped
