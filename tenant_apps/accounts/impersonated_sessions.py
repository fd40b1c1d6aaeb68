"""Impersonated sessions: the organization side of support impersonation. A ticket from the
console (shared_apps.tenants.lifecycle.impersonation_tickets) is redeemed into a session
here; a banner shows on every page; it ends on request or after a time limit."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from shared_apps.tenants.client_ip import client_ip
from shared_apps.tenants.lifecycle.impersonation_tickets import (
    impersonation_ended,
    impersonation_entered,
    impersonation_minutes,
    impersonation_redeem,
)
from shared_apps.tenants.routing.links import platform_url
from shared_apps.tenants.runtime.groups import send_to_session
from tenant_apps.accounts.models import User

SESSION_KEY = "tenantry_impersonation"
_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


@require_GET
def impersonation_begin(request: HttpRequest, ticket: str) -> HttpResponse:
    try:
        claims = impersonation_redeem(ticket=ticket, organization=request.tenant)
    except ValidationError as error:
        return render(
            request,
            "accounts/impersonation_refused.html",
            {"reason": error.messages[0]},
            status=403,
        )
    member = User.objects.filter(pk=claims["user"], is_active=True).first()
    if member is None:
        return render(
            request, "accounts/impersonation_refused.html",
            {"reason": "That member no longer exists or was deactivated."}, status=404,
        )  # fmt: skip
    login(request, member, backend=_BACKEND)
    impersonation_entered(
        organization=request.tenant,
        staff=claims["staff"],
        member=member.email,
        ip_address=client_ip(request),
    )
    ends_at = timezone.now() + timedelta(minutes=impersonation_minutes())
    request.session[SESSION_KEY] = {
        "staff": claims["staff"],
        "member": member.email,
        "ends_at": ends_at.isoformat(),
    }
    return redirect("/")


@require_POST
def impersonation_end(request: HttpRequest) -> HttpResponse:
    if SESSION_KEY in request.session:
        _end(request, reason="ended by staff")
    return redirect(platform_url(f"/platform/organizations/{request.tenant.slug}/"))


def impersonation_ends_at(session: Any) -> datetime | None:
    """When the support session held by `session` ends (None: not one)."""
    info = session.get(SESSION_KEY)
    return datetime.fromisoformat(info["ends_at"]) if info else None


def _end(request: HttpRequest, *, reason: str) -> None:
    info = request.session.get(SESSION_KEY, {})
    impersonation_ended(
        organization=request.tenant,
        staff=info.get("staff", "unknown"),
        member=info.get("member", ""),
        reason=reason,
        ip_address=client_ip(request),
    )
    # The sockets this session opened close too (the member's own sockets stay open).
    key, schema = request.session.session_key, request.tenant.schema_name
    if key:
        transaction.on_commit(
            lambda: send_to_session(
                session_key=key, message={"type": "member.signed_out"}, schema=schema
            )
        )
    logout(request)


class ImpersonationMiddleware:
    """Marks impersonated requests for the banner, and ends impersonation on time."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ends_at = impersonation_ends_at(request.session) if hasattr(request, "session") else None
        if ends_at is not None:
            if timezone.now() >= ends_at:
                _end(request, reason="time limit reached")
                messages.info(request, "The support session ended (time limit).")
                return redirect("account_login")
            request.impersonation = {**request.session[SESSION_KEY], "ends_at": ends_at}
        return self.get_response(request)
