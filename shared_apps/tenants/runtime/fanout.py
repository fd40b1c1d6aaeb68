"""Periodic work for every organization, declared once and spread over time.

A CELERY_BEAT_SCHEDULE entry for FAN_OUT_TASK_NAME, written out in settings (which
import no app module), names the task and its spread. Beat (which runs in public)
queues one fan-out task on schedule; the fan-out task queues the named task once per
active organization, each in that organization's schema, with a countdown that spreads
them over `spread_seconds`. The countdown is a hash of the task and the schema, not a
random draw: each organization keeps the same slot every run (evenly spaced runs), and
the slots are uniform across organizations, so 10,000 organizations over 600 s is about
17 a second, not 10,000 in the first one.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from celery import current_app

from shared_apps.tenants.models import Organization
from shared_apps.tenants.runtime.task_base import SCHEMA_HEADER

logger = logging.getLogger(__name__)

FAN_OUT_TASK_NAME = "tenantry.fan_out_to_organizations"


def spread_offset(*, task_name: str, schema_name: str, spread_seconds: int) -> int:
    """This organization's countdown, in [0, spread_seconds): stable and uniform."""
    if spread_seconds <= 0:
        return 0
    digest = hashlib.blake2b(f"{task_name}\0{schema_name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % spread_seconds


def organizations_fan_out(
    *, task_name: str, spread_seconds: int, task_kwargs: dict[str, Any] | None = None
) -> int:
    """Queue `task_name` once in every active organization's schema; return how many.

    Raises ValueError when the spread reaches the broker's visibility timeout: a message
    held back longer than that would be delivered a second time.
    """
    visibility_timeout = current_app.conf.broker_transport_options.get("visibility_timeout", 3600)
    if spread_seconds >= visibility_timeout:
        raise ValueError(
            f"spread_seconds ({spread_seconds}) must stay below the broker's visibility "
            f"timeout ({visibility_timeout} s), or spread tasks would be delivered twice."
        )
    schemas = (
        Organization.objects.filter(status=Organization.Status.ACTIVE)
        .order_by("pk")
        .values_list("schema_name", flat=True)
    )
    queued = 0
    with current_app.producer_or_acquire() as producer:
        for schema_name in schemas.iterator(chunk_size=2000):
            current_app.send_task(
                task_name,
                kwargs=task_kwargs or {},
                headers={SCHEMA_HEADER: schema_name},
                countdown=spread_offset(
                    task_name=task_name, schema_name=schema_name, spread_seconds=spread_seconds
                ),
                producer=producer,
            )
            queued += 1
    logger.info("Fanned out %s to %d organizations over %d s.", task_name, queued, spread_seconds)
    return queued
