"""Reads of a member's notifications (the current organization's schema)."""

from dataclasses import dataclass
from functools import cache

from django.db import connection
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


def bell_states(*, recipient_ids: list[int]) -> dict[int, BellState]:
    """The bell of each of these members in one query, whatever their number: for each
    member, the unread count and the latest few notifications, each read through an
    index (`notification_unread`, `notification_latest`), so the cost does not grow with
    a member's history.

    The SQL is written once (`_bells_sql`), not built by the ORM per call: an
    announcement's push reads one organization's bells, and for 50 organizations in a
    row Django compiling such a query (about 1.6 ms each, more than running it) was
    most of the sender's time (docs/realtime.md). Its table name is unqualified, like the
    ORM's: the connection's search_path (the current organization) picks the schema."""
    if not recipient_ids:
        return {}
    latest: dict[int, list[Notification]] = {user_id: [] for user_id in recipient_ids}
    counts: dict[int, int] = {}
    for notification in Notification.objects.raw(_bells_sql(), [list(recipient_ids), BELL_LATEST]):
        latest[notification.recipient_id].append(notification)
        counts[notification.recipient_id] = notification.unread  # type: ignore[attr-defined]
    return {
        user_id: BellState(unread=counts.get(user_id, 0), latest=latest[user_id])
        for user_id in recipient_ids
    }


@cache
def _bells_sql() -> str:
    """What bell_state() reads for one member (count of unread, latest BELL_LATEST by
    -created_at, -id), for many members at once; parameters: [recipient ids], limit.
    A member with no notification has no row (the caller's default: 0 and none)."""
    meta = Notification._meta

    def quote(name: str | None) -> str:
        return connection.ops.quote_name(str(name))

    table = quote(meta.db_table)
    columns = ", ".join(quote(field.column) for field in meta.concrete_fields)
    picked = ", ".join(f"latest.{quote(field.column)}" for field in meta.concrete_fields)
    recipient = quote(meta.get_field("recipient").column)
    created_at = quote(meta.get_field("created_at").column)
    read_at = quote(meta.get_field("read_at").column)
    pk = quote(meta.pk.column)
    # Only quoted names from the model's own metadata are formatted in; values are %s.
    return (
        f"SELECT {picked}, counted.unread "  # noqa: S608
        "FROM unnest(%s::bigint[]) AS member(id) "
        "CROSS JOIN LATERAL ("
        f"SELECT COUNT(*) AS unread FROM {table} "
        f"WHERE {recipient} = member.id AND {read_at} IS NULL) AS counted "
        "CROSS JOIN LATERAL ("
        f"SELECT {columns} FROM {table} WHERE {recipient} = member.id "
        f"ORDER BY {created_at} DESC, {pk} DESC LIMIT %s) AS latest "
        f"ORDER BY latest.{recipient}, latest.{created_at} DESC, latest.{pk} DESC"
    )
