"""The platform's own event types. A product app registers its types the same way."""

from typing import Any

from tenant_apps.events.registry import register

register(
    "tracker.project.created",
    version=1,
    data=lambda project: {"name": project.name},
    summary=lambda project: f"created project “{project.name}”",
)
register(
    "tracker.project.updated",
    version=1,
    data=lambda project: {"name": project.name, "description": project.description},
    summary=lambda project: f"changed project “{project.name}”",
)
register(
    "tracker.project.deleted",
    version=1,
    data=lambda project: {"name": project.name},
    summary=lambda project: f"moved project “{project.name}” to the trash",
)
register(
    "tracker.project.restored",
    version=1,
    data=lambda project: {"name": project.name},
    summary=lambda project: f"restored project “{project.name}”",
)


def _task(task: Any) -> dict[str, Any]:
    return {
        "project_id": task.project_id,
        "title": task.title,
        "status": task.status,
        "priority": task.priority,
        "assignee_id": task.assignee_id,
        "due_date": task.due_date.isoformat() if task.due_date else None,
    }


register(
    "tracker.task.created",
    version=1,
    data=_task,
    summary=lambda task: f"created task “{task.title}”",
)
# Emitted with {"title", "changes": {field: {"old", "new"}}} (tracker.services.task_update).
register(
    "tracker.task.updated",
    version=1,
    data=lambda task: {"title": task.title, "changes": {}},
    summary=lambda task: f"changed task “{task.title}”",
)
register(
    "tracker.task.tagged",
    version=1,
    data=lambda task: {"title": task.title, "tags": sorted(t.name for t in task.tags.all())},
    summary=lambda task: f"changed the tags of task “{task.title}”",
)
register(
    "tracker.task.deleted",
    version=1,
    data=lambda task: {"project_id": task.project_id, "title": task.title},
    summary=lambda task: f"moved task “{task.title}” to the trash",
)
register(
    "tracker.task.restored",
    version=1,
    data=lambda task: {"project_id": task.project_id, "title": task.title},
    summary=lambda task: f"restored task “{task.title}”",
)
register(
    "tracker.tag.created",
    version=1,
    data=lambda tag: {"name": tag.name, "colour": tag.colour},
    summary=lambda tag: f"created tag “{tag.name}”",
)
register(
    "tracker.comment.created",
    version=1,
    data=lambda comment: {"task_id": comment.task_id, "body": comment.body},
    summary=lambda comment: f"commented on task “{comment.task.title}”",
)
register(
    "tracker.attachment.added",
    version=1,
    data=lambda attachment: {
        "task_id": attachment.task_id,
        "file": str(attachment.stored_file.public_id),
        "name": attachment.stored_file.name,
    },
    summary=lambda attachment: f"attached {attachment.stored_file.name} to a task",
)
register(
    "accounts.member.invited",
    version=1,
    data=lambda invitation: {"email": invitation.email, "role": invitation.role},
    summary=lambda invitation: f"invited {invitation.email} as {invitation.role}",
)
register(
    "accounts.member.joined",
    version=1,
    data=lambda user: {"email": user.email},
    summary=lambda user: f"{user.email} joined",
)
register(
    "accounts.member.deactivated",
    version=1,
    data=lambda user: {"email": user.email},
    summary=lambda user: f"deactivated {user.email}",
)
register(
    "accounts.member.reactivated",
    version=1,
    data=lambda user: {"email": user.email, "role": user.role},
    summary=lambda user: f"reactivated {user.email}",
)
register(
    "accounts.member.left",
    version=1,
    data=lambda user: {"email": user.email},
    summary=lambda user: f"{user.email} left the organization",
)
register(
    "accounts.ownership.transferred",
    version=1,
    data=lambda user: {"email": user.email},
    summary=lambda user: f"transferred ownership to {user.email}",
)
register(
    "accounts.organization.deletion_requested",
    version=1,
    data=lambda user: {"requested_by": user.email},
    summary=lambda user: "asked the platform to delete the organization",
)
register(
    "files.file.uploaded",
    version=1,
    data=lambda stored: {"name": stored.name, "size": stored.size},
    summary=lambda stored: f"uploaded {stored.name}",
)
register(
    "files.file.deleted",
    version=1,
    data=lambda stored: {"name": stored.name},
    summary=lambda stored: f"deleted {stored.name}",
)
