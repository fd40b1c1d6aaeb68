"""Reads of a member's notifications (the current organization's schema)."""

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Window
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
    """The bell of each of these members in one query, whatever their number: each
    member's latest few notifications, each row carrying its member's unread count (a
    window over the member's rows, before the latest are picked)."""
    rank = Window(
        RowNumber(),
        partition_by=[F("recipient_id")],
        order_by=[F("created_at").desc(), F("id").desc()],
    )
    unread = Window(Count("id", filter=Q(read_at__isnull=True)), partition_by=[F("recipient_id")])
    latest: dict[int, list[Notification]] = {user_id: [] for user_id in recipient_ids}
    counts: dict[int, int] = {}
    rows = (
        Notification.objects.filter(recipient_id__in=recipient_ids)
        .annotate(rank=rank, unread=unread)
        .filter(rank__lte=BELL_LATEST)
        .order_by("recipient_id", "rank")
    )
    for notification in rows:
        latest[notification.recipient_id].append(notification)
        counts[notification.recipient_id] = notification.unread
    return {
        user_id: BellState(unread=counts.get(user_id, 0), latest=latest[user_id])
        for user_id in recipient_ids
    }
