"""Who and what every log line is about: organization, user, correlation id, task.

A request (the correlation middleware) or a task (the task base) binds a `LogContext` to
the current context; `LogContextFilter`, attached to the handlers in settings.LOGGING, copies
it onto every record. `ReadableFormatter` prints it as a short suffix (development),
`JsonFormatter` as one JSON object per line (production).

The user is read from the request only once the application has loaded it: a log call
never runs a query (which could log, and so recurse) just to name the user.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils.functional import empty

CONTEXT_FIELDS = ("organization", "user_id", "correlation_id", "task_id", "task_name")


@dataclass(frozen=True)
class LogContext:
    organization: str | None = None
    correlation_id: str | None = None
    user_id: str | None = None
    task_id: str | None = None
    task_name: str | None = None
    # The request in progress, read for its user once the application has loaded one.
    request: Any = None

    def resolved_user_id(self) -> str | None:
        if self.user_id is not None:
            return self.user_id
        return loaded_user_id(self.request)


_current: ContextVar[LogContext | None] = ContextVar("tenantry_log_context", default=None)


def current_log_context() -> LogContext:
    return _current.get() or LogContext()


def bind_log_context(context: LogContext) -> Token[LogContext | None]:
    """Bind `context` until `unbind_log_context(token)`."""
    return _current.set(context)


def unbind_log_context(token: Token[LogContext | None]) -> None:
    """Restore what was bound before; clear it if `token` came from another context (under
    ASGI a response may be processed in a copy of the context its request was bound in)."""
    try:
        _current.reset(token)
    except ValueError:
        _current.set(None)


def loaded_user_id(request: Any) -> str | None:
    """The signed-in user's id if the request has already loaded its user, else None."""
    if request is None:
        return None
    user = request.__dict__.get("user")
    if user is None:
        return None
    # AuthenticationMiddleware sets a SimpleLazyObject; `_wrapped` is `empty` until read.
    user = getattr(user, "_wrapped", user)
    if user is empty or not getattr(user, "is_authenticated", False):
        return None
    return str(user.pk)


class LogContextFilter(logging.Filter):
    """Adds organization, user_id, correlation_id, task_id and task_name to every record.

    Values passed explicitly with `extra=` win over the bound context.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        context = current_log_context()
        values = {
            "organization": context.organization,
            "user_id": context.resolved_user_id(),
            "correlation_id": context.correlation_id,
            "task_id": context.task_id,
            "task_name": context.task_name,
        }
        for name, value in values.items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        return True


def _context_of(record: logging.LogRecord) -> dict[str, Any]:
    return {
        name: getattr(record, name)
        for name in CONTEXT_FIELDS
        if getattr(record, name, None) is not None
    }


class ReadableFormatter(logging.Formatter):
    """`2026-11-25 14:00:00 INFO app.module: message [org=acme user=3 cid=… task=…]`."""

    _SHORT = {"organization": "org", "user_id": "user", "correlation_id": "cid", "task_id": "task"}

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = _context_of(record)
        suffix = " ".join(
            f"{short}={context[name]}" for name, short in self._SHORT.items() if name in context
        )
        if not suffix:
            return line
        first, newline, rest = line.partition("\n")
        return f"{first} [{suffix}]{newline}{rest}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context_of(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)
