"""The event types the platform knows, each with its payload's current version.

A type is registered once, with a function that turns the entity into the payload's
`data` (stable field names: consumers outside this codebase read them). Changing the
shape means a new `schema_version`; docs/events.md says how.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class UnknownEventType(LookupError):
    """emit() was given a type nobody registered (a typo would otherwise ship silently)."""


@dataclass(frozen=True)
class EventType:
    name: str  # "<domain>.<entity>.<verb>", e.g. "tracker.project.created"
    version: int
    data: Callable[[Any], dict[str, Any]]
    summary: Callable[[Any], str]

    @property
    def domain(self) -> str:
        """The stream or topic the event goes to: its first dotted part."""
        return self.name.split(".", 1)[0]


_types: dict[str, EventType] = {}


def register(
    name: str,
    *,
    version: int,
    data: Callable[[Any], dict[str, Any]],
    summary: Callable[[Any], str] = lambda entity: str(entity),
) -> EventType:
    if name.count(".") != 2 or not all(name.split(".")):
        raise ValueError(f"An event type is <domain>.<entity>.<verb>, not {name!r}.")
    if name in _types and _types[name].version != version:
        raise ValueError(f"{name} is already registered at version {_types[name].version}.")
    _types[name] = EventType(name=name, version=version, data=data, summary=summary)
    return _types[name]


def event_type(name: str) -> EventType:
    try:
        return _types[name]
    except KeyError:
        raise UnknownEventType(f"No event type {name!r} is registered.") from None


def registered() -> list[EventType]:
    return sorted(_types.values(), key=lambda t: t.name)
