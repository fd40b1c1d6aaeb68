"""Emails in the organization's branding: a plain-text part and an HTML part.

Every HTML email extends `templates/emails/base.html` (table layout, inline styles, the
organization's name, logo and accent). A message written as text only is shown in the
HTML part as its paragraphs with links (`emails/message.html`); one with its own HTML
template (`html_template`) extends the base itself.
"""

from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from shared_apps.tenants.models import Organization
from tenant_apps.branding import colours
from tenant_apps.branding.selectors import branding_for, logo_absolute_url

DEFAULT_ACCENT = "#4f46e5"  # indigo-600, the platform's primary colour


def email_branding(organization: Organization) -> dict[str, str]:
    """The base template's context: absolute logo URL, the accent and text on it."""
    accent = branding_for(organization).accent or DEFAULT_ACCENT
    return {
        "brand_name": organization.name,
        "brand_logo_url": logo_absolute_url(organization),
        "brand_accent": accent,
        "brand_on_accent": colours.text_on(accent),
    }


def branded_email(
    *,
    organization: Organization,
    subject: str,
    text: str,
    to: list[str],
    html_template: str = "emails/message.html",
    context: dict[str, Any] | None = None,
    from_email: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """The message, not sent: `text` is its plain-text part; the HTML part is rendered
    from `html_template` with `context`, the branding and `text`."""
    html = render_to_string(
        html_template,
        {**(context or {}), **email_branding(organization), "subject": subject, "text": text},
    )
    message = EmailMultiAlternatives(subject, text, from_email, to, headers=headers)
    message.attach_alternative(html, "text/html")
    return message
