"""The bell fragment, and the organization-wide push rendered once per distinct bell.

An announcement changes the bell of every recipient at once. Instead of telling each
socket "re-read" (one unread count, one latest query and one render per socket, on the
server's single ORM thread), the sender reads every recipient's bell in one query and
renders each distinct bell once: recipients whose bell looks the same (same unread
count, same latest notifications) share one fragment. The event goes to the
organization's group only and maps each recipient's user id to their fragment; a socket
sends the client its own user's fragment and nothing else.
"""

import time
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from tenant_apps.notifications.selectors import BellState, bell_states

BELL_EVENT_TYPE = "notifications.bell"


def render_bell(state: BellState, *, now: datetime | None = None, oob: bool = True) -> str:
    """The bell as HTMX out-of-band fragments (what a socket sends): its badge and its
    dropdown's list, swapped by id inside the nav's Alpine menu, which stays as it is
    (open or closed) across a push."""
    return render_to_string("notifications/_bell.html", bell_context(state, now=now, oob=oob))


def bell_context(
    state: BellState, *, now: datetime | None = None, oob: bool = True
) -> dict[str, Any]:
    """Everything the bell template shows, and nothing else: `_looks` is built from it."""
    now = now or timezone.now()
    fallback = reverse("notifications:list")
    return {
        "unread": state.unread,
        "items": [
            {
                "title": n.title,
                "link": n.link or fallback,
                "unread": not n.is_read,
                "ago": ago(n.created_at, now),
            }
            for n in state.latest
        ],
        "oob": oob,
    }


def ago(moment: datetime, now: datetime) -> str:
    """The relative time the dropdown shows: the same for every viewer (no time zone)."""
    if (now - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment, now)} ago"


def bell_event(*, recipient_ids: list[int]) -> dict[str, Any]:
    """The channel-layer event carrying the current bell of each recipient.

    `as_of` is taken before the reads: a socket that read its own bell later (after a
    mark-read, say) keeps what it has rather than this older picture."""
    as_of = time.time()
    now = timezone.now()  # one "now" for every recipient: their relative times agree
    fragments: list[str] = []
    index_of: dict[tuple[Any, ...], int] = {}
    bell_for: dict[str, int] = {}
    for user_id, state in bell_states(recipient_ids=recipient_ids).items():
        context = bell_context(state, now=now)
        key = _looks(context)
        if key not in index_of:
            index_of[key] = len(fragments)
            fragments.append(render_to_string("notifications/_bell.html", context))
        bell_for[str(user_id)] = index_of[key]  # str: msgpack maps need string keys
    return {"type": BELL_EVENT_TYPE, "as_of": as_of, "fragments": fragments, "bell_for": bell_for}


def _looks(context: dict[str, Any]) -> tuple[Any, ...]:
    """What the bell template shows of a state (its context, which holds nothing else);
    two states with the same key render the same. The relative time is in it, not the
    creation instant: an announcement's rows differ by microseconds yet look the same."""
    return (
        context["unread"],
        tuple(tuple(sorted(item.items())) for item in context["items"]),
    )
