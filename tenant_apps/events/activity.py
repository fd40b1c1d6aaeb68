"""The tracker's activity feed: recent changes in a project, built by an events consumer
and pushed live to the project's sockets (activity_socket.py).

The consumer runs in the event's organization schema (consumers.apply), finds the project
the changed entity belongs to there, keeps an `ActivityEntry`, and after the commit tells
the sockets watching that project. The project group's name starts with the
organization's group (`org.<schema>.project.<id>`): project ids repeat across schemas, so
a name without the schema would reach every organization's project 12.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from shared_apps.tenants.runtime.groups import organization_group
from tenant_apps.events.models import ActivityEntry
from tenant_apps.tracker.models import Attachment, Comment, Task

FEED_LENGTH = 30
ADDED_EVENT = "activity.added"


def project_group(schema: str, project_id: int) -> str:
    return f"{organization_group(schema)}.project.{int(project_id)}"


def project_of(entity: dict[str, Any]) -> int | None:
    """The project a tracker entity belongs to, in the current schema (None: not a
    project's, such as a tag, or gone since)."""
    kind, pk = entity["type"], entity["id"]
    if kind == "tracker.project":
        return int(pk)
    lookups = {
        "tracker.task": (Task.all_objects, "project_id"),
        "tracker.comment": (Comment.objects, "task__project_id"),
        "tracker.attachment": (Attachment.objects, "task__project_id"),
    }
    if kind not in lookups:
        return None
    manager, field = lookups[kind]
    return manager.filter(pk=pk).values_list(field, flat=True).first()


def activity_record(envelope: dict[str, Any]) -> None:
    """The activity consumer: one entry per tracker change, then a push to the project."""
    project_id = project_of(envelope["entity"])
    if project_id is None:
        return
    ActivityEntry.objects.create(
        event_id=envelope["id"],
        project_id=project_id,
        event_type=envelope["type"],
        occurred_at=envelope["occurred_at"],
        actor_email=(envelope.get("actor") or {}).get("email") or "",
        summary=envelope["entity"].get("summary", "")[:300],
    )
    group = project_group(envelope["organization"]["schema"], project_id)
    transaction.on_commit(
        lambda: async_to_sync(get_channel_layer().group_send)(group, {"type": ADDED_EVENT}),
        robust=True,
    )


def recent_activity(*, project_id: int, limit: int = FEED_LENGTH) -> list[ActivityEntry]:
    """The project's latest entries in the current organization, newest first."""
    return list(ActivityEntry.objects.filter(project_id=project_id)[:limit])
