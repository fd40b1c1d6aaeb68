"""django-allauth, made organization-aware through its adapter hooks."""

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from shared_apps.tenants.client_ip import client_ip
from shared_apps.tenants.context import current_organization
from shared_apps.tenants.models import Organization
from shared_apps.tenants.routing.links import organization_url, platform_url
from tenant_apps.branding.emails import branded_email


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
            # Nothing of this attempt stays (allauth stashed the login and recorded the
            # password in the session): the visitor is anonymous, so the session goes.
            request.session.flush()
            body = render_to_string("accounts/staff_only.html", request=request)
            return HttpResponse(body, status=403)
        return super().pre_login(request, user, **kwargs)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Staff signing in on the platform host land on the console; members on an
        organization's host keep LOGIN_REDIRECT_URL (their app). `?next=` still wins:
        allauth only asks the adapter when there is none."""
        if _is_public(request) and getattr(request.user, "is_staff", False):
            return reverse("platform:organizations")
        return super().get_login_redirect_url(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Emails carry the organization's name, and their links point at its canonical
        address (primary domain, PUBLIC_URL_SCHEME/PUBLIC_URL_PORT), never at whatever
        port or scheme the request's Host header named."""
        organization = current_organization()
        name = organization.name if organization else settings.PLATFORM_NAME
        canonical = _canonical_origin(organization)
        request = context.get("request") or getattr(self, "request", None)
        context = {
            key: _on_origin(value, request, canonical) if isinstance(value, str) else value
            for key, value in context.items()
        }
        context.update(
            organization=organization,
            current_site=SimpleNamespace(name=name, domain=urlsplit(canonical).netloc),
        )
        super().send_mail(template_prefix, email, context)

    def render_mail(
        self,
        template_prefix: str,
        email: str | list[str],
        context: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> EmailMessage:
        """allauth's text emails, given an HTML part in the organization's branding
        (tenant_apps/branding/emails.py). On the platform host they stay text only."""
        message = super().render_mail(template_prefix, email, context, headers)
        organization = current_organization()
        if organization is None or not isinstance(message, EmailMultiAlternatives):
            return message
        if message.alternatives:
            return message
        return branded_email(
            organization=organization,
            subject=message.subject,
            text=message.body,
            to=message.to,
            from_email=message.from_email,
            headers=message.extra_headers,
        )

    def format_email_subject(self, subject: str) -> str:
        organization = current_organization()
        name = organization.name if organization else settings.PLATFORM_NAME
        return f"[{name}] {subject}"


def _canonical_origin(organization: Organization | None) -> str:
    url = organization_url(organization, "") if organization else platform_url("")
    return url.rstrip("/")


def _on_origin(value: str, request: HttpRequest | None, canonical: str) -> str:
    """A link allauth built from the request (activate_url, password_reset_url, signup_url…)
    moved to the canonical origin; any other value unchanged."""
    if request is None:
        return value
    origin = f"{request.scheme}://{request.get_host()}"
    if value == origin or value.startswith(origin + "/"):
        return canonical + value[len(origin) :]
    return value
