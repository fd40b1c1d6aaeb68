"""Celery signal receivers that fill the failed-task store, connected in ready().

`task_failure` is sent in the process that ran the task, with the task's request still
current, for a failure past its retries; for a hard time limit it is sent by the worker's
main process, where no request is current, so that process remembers the headers of the
tasks it hands out (`task_received`) to know whose task it was.
"""

import logging
from typing import Any

from celery import signals
from django_tenants.utils import get_public_schema_name

from shared_apps.tenants.local_cache import LocalCache
from shared_apps.tenants.runtime.task_base import (
    SCHEMA_HEADER,
    TASK_CORRELATION_HEADER,
    USER_HEADER,
    request_header,
)

logger = logging.getLogger(__name__)

_MAX_REMEMBERED = 20_000
_REMEMBER_SECONDS = 24 * 3600


# task id → what a failure record needs, for the tasks this main process handed out.
# Forgotten after a day: a task still unfinished by then is recorded without them.
_received: LocalCache[str, dict[str, Any]] = LocalCache(
    maxsize=_MAX_REMEMBERED, ttl=lambda: _REMEMBER_SECONDS
)


def _context_of(request: Any, delivery_info: dict | None, retries: int | None) -> dict[str, Any]:
    return {
        "schema_name": request_header(request, SCHEMA_HEADER) or get_public_schema_name(),
        "correlation_id": request_header(request, TASK_CORRELATION_HEADER) or "",
        "user_id": request_header(request, USER_HEADER) or "",
        "queue": (delivery_info or {}).get("routing_key") or "",
        "retries": retries or 0,
    }


def _remember_received(request: Any = None, **_kwargs: Any) -> None:
    headers = request.request_dict
    _received.put(request.id, _context_of(headers, request.delivery_info, headers.get("retries")))


def _record_failure(
    sender: Any = None,
    *,
    # Celery's task_failure always sends both (by keyword, like every signal argument).
    task_id: str,
    exception: BaseException,
    args: Any = None,
    kwargs: Any = None,
    einfo: Any = None,
    **_kwargs: Any,
) -> None:
    from shared_apps.failed_tasks.services import failed_task_already_recorded, failed_task_record

    request = getattr(sender, "request", None)
    if request is not None and request.id == task_id:
        context = _context_of(request, request.delivery_info, request.retries)
    else:
        context = _received.get(task_id) or {}
    traceback = str(getattr(einfo, "traceback", "") or "")
    try:
        # A hard time limit is reported twice by the worker (timeout and lost job).
        if failed_task_already_recorded(task_id=task_id):
            return
        record = failed_task_record(
            task_id=task_id,
            task_name=getattr(sender, "name", "") or "",
            args=args,
            kwargs=kwargs,
            exception=exception,
            traceback=traceback,
            schema_name=context.get("schema_name") or get_public_schema_name(),
            queue=context.get("queue", ""),
            correlation_id=context.get("correlation_id", ""),
            user_id=context.get("user_id", ""),
            retries=context.get("retries", 0),
        )
    except Exception:
        # The database may be what failed: the log line keeps what the record would have.
        logger.exception(
            "Could not store failed task %s[%s] (schema %s, args %r, kwargs %r): %r",
            getattr(sender, "name", "?"), task_id, context.get("schema_name"), args, kwargs,
            exception,
        )  # fmt: skip
        return
    logger.error(
        "Task %s[%s] failed for good (%s); stored as failed task %s: "
        "`manage.py failed_tasks show %s`.",
        record.task_name, task_id, record.exception_type, record.pk, record.pk,
    )  # fmt: skip


def connect() -> None:
    signals.task_received.connect(_remember_received, weak=False, dispatch_uid="tenantry-received")
    signals.task_failure.connect(_record_failure, weak=False, dispatch_uid="tenantry-failed-store")
