"""Reads of a member's notifications (the current organization's schema)."""

from dataclasses import dataclass

from django.db.models import QuerySet

from tenant_apps.accounts.models import User
from tenant_apps.notifications.models import Notification

BELL_LATEST = 5


@dataclass(frozen=True)
class BellState:
    unread: int
    latest: list[Notification]


def notifications_for(*, recipient: User, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=recipient)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications


def bell_state(*, recipient: User) -> BellState:
    """What the bell shows: the unread count and the latest few notifications."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True).count()
    latest = list(notifications_for(recipient=recipient)[:BELL_LATEST])
    return BellState(unread=unread, latest=latest)
