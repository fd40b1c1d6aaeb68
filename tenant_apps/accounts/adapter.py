"""django-allauth, made organization-aware through its adapter hooks."""

from types import SimpleNamespace
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from shared_apps.tenants.client_ip import client_ip
from shared_apps.tenants.context import current_organization


def _is_public(request: HttpRequest | None) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is None or getattr(tenant, "is_public", False)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Organizations are invitation-only unless they turned open sign-up on; the
        platform host has no sign-up at all (staff accounts are made by operators)."""
        if _is_public(request):
            return False
        return bool(getattr(request.tenant, "open_signup", False))

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address sign-in rate limits count by: the platform's one definition."""
        return client_ip(request) or super().get_client_ip(request)

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        """Only platform staff sign in on the platform host."""
        if _is_public(request) and not user.is_staff:
            clear_login(request)
            body = render_to_string("accounts/staff_only.html", request=request)
            return HttpResponse(body, status=403)
        return super().pre_login(request, user, **kwargs)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Emails carry the organization's name; their links point at the request's host."""
        organization = current_organization()
        name = organization.name if organization else settings.PLATFORM_NAME
        request = context.get("request") or getattr(self, "request", None)
        domain = request.get_host() if request is not None else settings.PLATFORM_DOMAIN
        context = {
            **context,
            "organization": organization,
            "current_site": SimpleNamespace(name=name, domain=domain),
        }
        super().send_mail(template_prefix, email, context)

    def format_email_subject(self, subject: str) -> str:
        organization = current_organization()
        name = organization.name if organization else settings.PLATFORM_NAME
        return f"[{name}] {subject}"
