"""Find my organization: one email listing where an address has an account."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from shared_apps.tenants.lifecycle.directory import organizations_for_email
from shared_apps.tenants.routing.links import organization_url, platform_url


def organization_finder_send(*, email: str) -> bool:
    """Email `email` its organizations' sign-in links; send nothing when it has none.

    Returns whether an email was sent (for logs and tests; never shown to the visitor).
    """
    organizations = organizations_for_email(email)
    if not organizations:
        return False
    context = {
        "platform_name": settings.PLATFORM_NAME,
        "entries": [(org, organization_url(org, "/accounts/login/")) for org in organizations],
        "platform_url": platform_url(),
    }
    send_mail(
        subject=f"Your {settings.PLATFORM_NAME} organizations",
        message=render_to_string("public_site/email/your_organizations.txt", context),
        from_email=None,
        recipient_list=[email],
    )
    return True
