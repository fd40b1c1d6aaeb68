"""Task-seconds: how long each task ran, for the organization whose schema it ran in.

Measured in the process that runs the task, from `task_prerun` to `task_postrun` (both
sent for successes and failures); the organization is the schema header the task was
queued with (runtime/task_base.py), so public tasks (beat, fan-out) are not charged.
"""

from __future__ import annotations

import time
from typing import Any

from celery import signals
from django_tenants.utils import get_public_schema_name

from shared_apps.tenants.runtime.task_base import SCHEMA_HEADER, request_header
from shared_apps.usage import meters

_started: dict[str, float] = {}


def _task_started(task_id: str = "", **_kwargs: Any) -> None:
    _started[task_id] = time.monotonic()


def _task_finished(task_id: str = "", task: Any = None, **_kwargs: Any) -> None:
    started = _started.pop(task_id, None)
    schema = request_header(task.request, SCHEMA_HEADER) if task is not None else None
    if started is None or not schema or schema == get_public_schema_name():
        return
    meters.record_task_seconds(schema=schema, seconds=time.monotonic() - started)


def connect() -> None:
    signals.task_prerun.connect(_task_started, dispatch_uid="usage-task-started")
    signals.task_postrun.connect(_task_finished, dispatch_uid="usage-task-finished")
