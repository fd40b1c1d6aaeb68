"""Notifications from background work. tenant-schemas-celery runs each task in the schema
of the organization that queued it, so these need no organization argument."""

from celery import shared_task

from tenant_apps.accounts.models import User
from tenant_apps.notifications.services import notify_organization, notify_user


@shared_task
def notify_user_task(*, recipient_id: int, title: str, body: str = "", link: str = "") -> bool:
    """False (and nothing stored) when the member no longer exists or is deactivated."""
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is None:
        return False
    notify_user(recipient=recipient, title=title, body=body, link=link)
    return True


@shared_task(bind=True)
def announce_task(self, *, title: str, body: str = "", link: str = "") -> int:
    """Notify every active member (one row each: on a large organization, long work).
    Delivered again after a crash, it adds nothing: the rows are keyed by its task id."""
    return notify_organization(title=title, body=body, link=link, source=self.request.id or "")
