"""Reads of a member's notifications (the current organization's schema)."""

from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber

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


def bell_states(*, recipient_ids: list[int]) -> dict[int, BellState]:
    """The bell of each of these members, in two queries whatever their number."""
    unread = dict(
        Notification.objects.filter(recipient_id__in=recipient_ids, read_at__isnull=True)
        .values("recipient_id")
        .annotate(count=Count("id"))
        .values_list("recipient_id", "count")
    )
    rank = Window(
        RowNumber(),
        partition_by=[F("recipient_id")],
        order_by=[F("created_at").desc(), F("id").desc()],
    )
    latest: dict[int, list[Notification]] = {user_id: [] for user_id in recipient_ids}
    rows = (
        Notification.objects.filter(recipient_id__in=recipient_ids)
        .annotate(rank=rank)
        .filter(rank__lte=BELL_LATEST)
        .order_by("recipient_id", "rank")
    )
    for notification in rows:
        latest[notification.recipient_id].append(notification)
    return {
        user_id: BellState(unread=unread.get(user_id, 0), latest=latest[user_id])
        for user_id in recipient_ids
    }
