"""Writes on notifications; every live push goes out only after the write commits.

A member's own change pushes only "your notifications changed" to that member's group:
their sockets re-read. An announcement pushes to the organization's group the bells of
its recipients, read once and rendered once per distinct bell (bells.py); each socket
sends only its own member's. Groups carry the organization's schema: nothing pushed
here can reach another organization's sockets.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from shared_apps.tenants.runtime.groups import current_schema, send_to_organization, send_to_user
from tenant_apps.accounts.models import User
from tenant_apps.accounts.roles import Role, has_role
from tenant_apps.notifications.bells import bell_event
from tenant_apps.notifications.models import Notification

CHANGED_EVENT = {"type": "notifications.changed"}


def notify_user(*, recipient: User, title: str, body: str = "", link: str = "") -> Notification:
    """Store a notification for one member and refresh their open pages."""
    title, body, link = _cleaned(title=title, body=body, link=link)
    schema = current_schema()
    with transaction.atomic():
        notification = Notification.objects.create(
            recipient=recipient, title=title, body=body, link=link
        )
        _push_to_user_after_commit(schema=schema, user_id=recipient.pk)
    return notification


def notify_organization(
    *,
    title: str,
    body: str = "",
    link: str = "",
    minimum_role: str = Role.MEMBER,
    source: str = "",
) -> int:
    """Store one notification per active member with at least `minimum_role`, then refresh
    every open page of the organization. Returns how many members were notified.

    With a `source` (a task id), calling it again stores nothing more: safe to retry."""
    title, body, link = _cleaned(title=title, body=body, link=link)
    schema = current_schema()
    recipients = [
        user for user in User.objects.filter(is_active=True) if has_role(user, minimum_role)
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(
            (
                Notification(recipient=user, title=title, body=body, link=link, source=source)
                for user in recipients
            ),
            ignore_conflicts=bool(source),
        )
        recipient_ids = [user.pk for user in recipients]
        transaction.on_commit(lambda: _push_bells(schema=schema, recipient_ids=recipient_ids))
    return len(recipients)


def notification_mark_read(*, recipient: User, notification_id: int) -> Notification:
    """Mark one of the recipient's notifications read (Notification.DoesNotExist otherwise)."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(
            pk=notification_id, recipient=recipient
        )
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
            _push_to_user_after_commit(schema=current_schema(), user_id=recipient.pk)
    return notification


def notifications_mark_all_read(*, recipient: User) -> int:
    with transaction.atomic():
        count = Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if count:
            _push_to_user_after_commit(schema=current_schema(), user_id=recipient.pk)
    return count


def _push_to_user_after_commit(*, schema: str, user_id: int) -> None:
    transaction.on_commit(
        lambda: send_to_user(schema=schema, user_id=user_id, message=CHANGED_EVENT)
    )


def _push_bells(*, schema: str, recipient_ids: list[int]) -> None:
    """Read and render in `schema`, the very organization whose group is sent to."""
    with schema_context(schema):
        send_to_organization(schema=schema, message=bell_event(recipient_ids=recipient_ids))


def _cleaned(*, title: str, body: str, link: str) -> tuple[str, str, str]:
    title, body, link = title.strip(), body.strip(), link.strip()
    errors = {}
    if not title:
        errors["title"] = "A notification needs a title."
    elif len(title) > 200:
        errors["title"] = "Keep the title to 200 characters."
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        errors["link"] = "A link must be a path on this site, starting with a single /."
    if errors:
        raise ValidationError(errors)
    return title, body, link
