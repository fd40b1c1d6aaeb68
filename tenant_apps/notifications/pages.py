"""The notifications page's list, shared by the view and the socket that keeps it live.

Only sockets opened from the page itself (`?list=<page number>`) render it, for their own
member, so the organization-wide push stays rendered once per distinct bell (bells.py).
"""

from typing import Any

from django.core.paginator import Paginator
from django.template.loader import render_to_string

from tenant_apps.accounts.models import User
from tenant_apps.notifications import selectors

PAGE_SIZE = 50
LIST_ID = "notification-list"


def list_context(*, recipient: User, page: str | None) -> dict[str, Any]:
    notifications = selectors.notifications_for(recipient=recipient)
    return {
        "page": Paginator(notifications, PAGE_SIZE).get_page(page),
        "unread": selectors.notifications_for(recipient=recipient, unread_only=True).count(),
    }


def render_list(*, recipient: User, page: str | None, csrf_token: str) -> str:
    """The list as an HTMX out-of-band fragment; `csrf_token` keeps its forms working."""
    context = list_context(recipient=recipient, page=page)
    return render_to_string(
        "notifications/_list.html", {**context, "oob": True, "csrf_token": csrf_token}
    )
