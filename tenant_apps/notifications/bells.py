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
from typing import Any

from django.template.loader import render_to_string

from tenant_apps.notifications.selectors import BellState, bell_states

BELL_EVENT_TYPE = "notifications.bell"


def render_bell(state: BellState) -> str:
    """The bell as an HTMX out-of-band fragment (what a socket sends)."""
    return render_to_string("notifications/_bell.html", {"bell": state, "oob": True})


def bell_event(*, recipient_ids: list[int]) -> dict[str, Any]:
    """The channel-layer event carrying the current bell of each recipient.

    `as_of` is taken before the reads: a socket that read its own bell later (after a
    mark-read, say) keeps what it has rather than this older picture."""
    as_of = time.time()
    fragments: list[str] = []
    index_of: dict[tuple[Any, ...], int] = {}
    bell_for: dict[str, int] = {}
    for user_id, state in bell_states(recipient_ids=recipient_ids).items():
        key = _looks(state)
        if key not in index_of:
            index_of[key] = len(fragments)
            fragments.append(render_bell(state))
        bell_for[str(user_id)] = index_of[key]  # str: msgpack maps need string keys
    return {"type": BELL_EVENT_TYPE, "as_of": as_of, "fragments": fragments, "bell_for": bell_for}


def _looks(state: BellState) -> tuple[Any, ...]:
    """What the bell template shows of a state; two states with the same key render the
    same. A template that starts showing more (an id, a time) must be listed here."""
    return (
        state.unread,
        tuple((n.title, n.body, n.link, n.is_read) for n in state.latest),
    )
