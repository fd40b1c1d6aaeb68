"""Writes on the tracker: one code path per operation for the pages, the API and tasks.

Each service checks who may act (PermissionDenied), validates (ValidationError, with the
model's own checks through full_clean), and, in one transaction, makes the change, writes
the task's history (TaskChange) and emits the domain event. Nothing half-made: a refused
or failing change leaves no row, no history line and no event behind.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from shared_apps.tenants.context import current_organization
from shared_apps.tenants.routing.links import organization_url
from shared_apps.tenants.runtime.groups import organization_group
from tenant_apps.accounts.models import User
from tenant_apps.accounts.roles import Role, has_role
from tenant_apps.branding.emails import branded_email
from tenant_apps.events.services import emit
from tenant_apps.files.services import file_delete, file_upload
from tenant_apps.tracker import selectors
from tenant_apps.tracker.models import (
    Attachment,
    Comment,
    DailySummary,
    Project,
    Tag,
    Task,
    TaskChange,
)

# The fields task_update() may change, each recorded in the history when it does.
TASK_FIELDS = ("title", "description", "status", "priority", "assignee", "due_date", "project")


def _require_member(user: Any) -> None:
    if not has_role(user, Role.MEMBER):
        raise PermissionDenied("Only members of this organization can do that.")


def _shown(value: Any) -> str:
    """A value as the history stores it: readable, and stable for the API."""
    if value is None:
        return ""
    if isinstance(value, User):
        return value.email
    if isinstance(value, Project):
        return value.name
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _record(task: Task, actor: Any, field: str, old: Any = "", new: Any = "") -> None:
    TaskChange.objects.create(task=task, actor=actor, field=field, old=_shown(old), new=_shown(new))


def _check_assignee(assignee: User | None) -> None:
    if assignee is not None and not has_role(assignee, Role.MEMBER):
        raise ValidationError({"assignee": "Tasks can only be assigned to active members."})


def _check_live_project(project: Project) -> None:
    if project.is_deleted:
        raise ValidationError({"project": "This project is in the trash: restore it first."})


# Projects ------------------------------------------------------------------------------


def project_create(*, name: str, description: str = "", created_by: User | None = None) -> Project:
    if created_by is not None:
        _require_member(created_by)
    project = Project(name=name.strip(), description=description.strip(), created_by=created_by)
    project.full_clean()
    with transaction.atomic():
        project.save()
        emit("tracker.project.created", entity=project, actor=created_by)
    return project


def project_update(
    *, project: Project, actor: User, name: str | None = None, description: str | None = None
) -> Project:
    if not selectors.can_manage_project(actor, project):
        raise PermissionDenied("Only the project's creator or an admin can change it.")
    _check_live_project(project)
    if name is not None:
        project.name = name.strip()
    if description is not None:
        project.description = description.strip()
    project.full_clean()
    with transaction.atomic():
        project.save(update_fields=["name", "description"])
        emit("tracker.project.updated", entity=project, actor=actor)
    return project


def project_delete(*, project: Project, actor: User) -> Project:
    """Into the trash: the project and its tasks disappear from every list until restored."""
    if not selectors.can_manage_project(actor, project):
        raise PermissionDenied("Only the project's creator or an admin can delete it.")
    with transaction.atomic():
        project.deleted_at = timezone.now()
        project.save(update_fields=["deleted_at"])
        emit("tracker.project.deleted", entity=project, actor=actor)
    return project


def project_restore(*, project: Project, actor: User) -> Project:
    if not selectors.can_use_trash(actor):
        raise PermissionDenied("Only admins can restore from the trash.")
    with transaction.atomic():
        project.deleted_at = None
        project.save(update_fields=["deleted_at"])
        emit("tracker.project.restored", entity=project, actor=actor)
    return project


# Tasks ---------------------------------------------------------------------------------


def task_create(
    *,
    project: Project,
    title: str,
    created_by: User,
    description: str = "",
    status: str = Task.Status.TODO,
    priority: str = Task.Priority.NORMAL,
    assignee: User | None = None,
    due_date: datetime.date | None = None,
    tags: Iterable[Tag] = (),
) -> Task:
    _require_member(created_by)
    _check_live_project(project)
    _check_assignee(assignee)
    task = Task(
        project=project, title=title.strip(), description=description.strip(), status=status,
        priority=priority, assignee=assignee, due_date=due_date, created_by=created_by,
    )  # fmt: skip
    task.full_clean()
    with transaction.atomic():
        task.save()
        task.tags.set(list(tags))
        _record(task, created_by, "created", new=task.title)
        emit("tracker.task.created", entity=task, actor=created_by)
    return task


def task_update(
    *, task: Task, actor: User, changes: dict[str, Any], tags: Iterable[Tag] | None = None
) -> Task:
    """Apply `changes` (field name → new value, from TASK_FIELDS) and, when given, the set
    of `tags`, in one transaction; one history line per field whose value really changed.
    Returns the task, reloaded."""
    if not selectors.can_edit_task(actor, task):
        raise PermissionDenied("Only members can change live tasks.")
    unknown = set(changes) - set(TASK_FIELDS)
    if unknown:
        raise ValidationError(f"These fields can't be changed: {', '.join(sorted(unknown))}.")
    if "assignee" in changes:
        _check_assignee(changes["assignee"])
    if "project" in changes:
        _check_live_project(changes["project"])
    for text in ("title", "description"):
        if isinstance(changes.get(text), str):
            changes = {**changes, text: changes[text].strip()}
    with transaction.atomic():
        # Locked: two people editing at once each see the other's value as "old".
        current = Task.objects.select_for_update().get(pk=task.pk)
        changed = [field for field in changes if getattr(current, field) != changes[field]]
        old = {field: getattr(current, field) for field in changed}
        for field in changed:
            setattr(current, field, changes[field])
        current.full_clean()
        if changed:
            current.save(update_fields=[*changed, "updated_at"])
            for field in changed:
                _record(current, actor, field, old[field], changes[field])
            emit(
                "tracker.task.updated",
                entity=current,
                actor=actor,
                payload={
                    "title": current.title,
                    "changes": {
                        f: {"old": _shown(old[f]), "new": _shown(changes[f])} for f in changed
                    },
                },
            )
        if tags is not None:
            task_tags_set(task=current, tags=tags, actor=actor)
    return current


def task_tags_set(*, task: Task, tags: Iterable[Tag], actor: User) -> Task:
    if not selectors.can_edit_task(actor, task):
        raise PermissionDenied("Only members can change live tasks.")
    new = sorted({tag.pk: tag for tag in tags}.values(), key=lambda tag: tag.name.lower())
    with transaction.atomic():
        old = sorted(task.tags.all(), key=lambda tag: tag.name.lower())
        if [t.pk for t in old] != [t.pk for t in new]:
            task.tags.set(new)
            _record(task, actor, "tags", ", ".join(map(str, old)), ", ".join(map(str, new)))
            emit("tracker.task.tagged", entity=task, actor=actor)
    return task


def task_delete(*, task: Task, actor: User) -> Task:
    if not selectors.can_delete_task(actor, task):
        raise PermissionDenied("Only the task's creator or an admin can delete it.")
    with transaction.atomic():
        task.deleted_at = timezone.now()
        task.save(update_fields=["deleted_at"])
        _record(task, actor, "deleted")
        emit("tracker.task.deleted", entity=task, actor=actor)
    return task


def task_restore(*, task: Task, actor: User) -> Task:
    if not selectors.can_use_trash(actor):
        raise PermissionDenied("Only admins can restore from the trash.")
    _check_live_project(task.project)
    with transaction.atomic():
        task.deleted_at = None
        task.save(update_fields=["deleted_at"])
        _record(task, actor, "restored")
        emit("tracker.task.restored", entity=task, actor=actor)
    return task


# Tags, comments, attachments -----------------------------------------------------------


def tag_create(*, name: str, actor: User, colour: str = "#64748b") -> Tag:
    _require_member(actor)
    tag = Tag(name=name.strip(), colour=colour.strip().lower())
    tag.full_clean()  # includes the case-insensitive unique name
    with transaction.atomic():
        tag.save()
        emit("tracker.tag.created", entity=tag, actor=actor)
    return tag


def comment_create(*, task: Task, author: User, body: str) -> Comment:
    if not selectors.can_edit_task(author, task):
        raise PermissionDenied("Only members can comment on live tasks.")
    comment = Comment(task=task, author=author, body=body.strip())
    comment.full_clean()
    with transaction.atomic():
        comment.save()
        emit("tracker.comment.created", entity=comment, actor=author)
        schema = connection.schema_name
        transaction.on_commit(lambda: _push_comment(schema, comment), robust=True)
    return comment


def task_group(schema: str, task_id: int) -> str:
    """The Channels group of the sockets viewing one task: inside its organization's name,
    so the same task id at another organization is another group."""
    return f"{organization_group(schema)}.tracker.task.{int(task_id)}"


def _push_comment(schema: str, comment: Comment) -> None:
    """Render the comment once and push it to everyone viewing the task."""
    with schema_context(schema):
        html = render_to_string("tracker/_comment.html", {"comment": comment, "oob": True})
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(
        task_group(schema, comment.task_id), {"type": "comment.posted", "html": html}
    )


def attachment_add(*, task: Task, upload: UploadedFile, uploaded_by: User) -> Attachment:
    """Through tenant_apps.files (its checks, storage and event); the bytes are removed
    again if tying them to the task fails."""
    if not selectors.can_edit_task(uploaded_by, task):
        raise PermissionDenied("Only members can attach files to live tasks.")
    with transaction.atomic():
        stored = file_upload(upload=upload, uploaded_by=uploaded_by)
        try:
            attachment = Attachment.objects.create(task=task, stored_file=stored)
            _record(task, uploaded_by, "attachment", new=stored.name)
            emit("tracker.attachment.added", entity=attachment, actor=uploaded_by)
        except BaseException:
            stored.file.storage.delete(stored.file.name)
            raise
    return attachment


def attachment_remove(*, attachment: Attachment, actor: User) -> None:
    """The file goes through tenant_apps.files (uploader or admin); the row follows."""
    with transaction.atomic():
        _record(attachment.task, actor, "attachment", old=attachment.stored_file.name)
        file_delete(stored_file=attachment.stored_file, deleted_by=actor)


# Periodic work -------------------------------------------------------------------------


def trash_purge(*, older_than_days: int, now: datetime.datetime | None = None) -> int:
    """Delete for good what has been in the trash longer than `older_than_days`; return how
    many projects and tasks went. Attachments' bytes are removed once that commits."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=older_than_days)
    with transaction.atomic():
        projects = Project.all_objects.filter(deleted_at__lt=cutoff)
        tasks = Task.all_objects.filter(
            Q(deleted_at__lt=cutoff) | Q(project__deleted_at__lt=cutoff)
        )
        attachments = Attachment.objects.filter(task__in=tasks).select_related("stored_file")
        stored = [attachment.stored_file for attachment in attachments]
        purged = projects.count() + tasks.count()
        tasks.delete()
        projects.delete()
        for stored_file in stored:  # the rows; their attachments went with the tasks
            stored_file.delete()
        schema = connection.schema_name
        files = [(s.file.storage, s.file.name) for s in stored]

        def delete_bytes() -> None:
            # After commit, possibly outside the schema: name the one the paths belong to.
            with schema_context(schema):
                for storage, name in files:
                    storage.delete(name)

        transaction.on_commit(delete_bytes)
    return purged


def overdue_digest_send(*, today: datetime.date | None = None) -> int:
    """Email each active assignee their overdue open tasks; return how many emails went."""
    today = today or timezone.localdate()
    organization = current_organization()
    if organization is None:
        raise RuntimeError("The overdue digest runs inside an organization.")
    sent = 0
    for assignee, tasks in selectors.overdue_by_assignee(today=today).items():
        lines = [
            f"- {task.title} ({task.project.name}), due {task.due_date:%Y-%m-%d}: "
            + organization_url(organization, reverse("tracker:task-detail", args=[task.pk]))
            for task in tasks
        ]
        plural = "s" if len(tasks) != 1 else ""
        branded_email(
            organization=organization,
            subject=f"{organization.name}: {len(tasks)} overdue task{plural}",
            text="These tasks assigned to you are past their due date:\n\n" + "\n".join(lines),
            to=[assignee.email],
        ).send()
        sent += 1
    return sent


def summary_refresh(*, day: datetime.date | None = None) -> DailySummary:
    """Recompute the day's figures (today by default) in the current organization.

    Idempotent: the row is keyed by day and its figures are recomputed from scratch, so
    running it twice, concurrently or after a crash leaves the same single row.
    """
    day = day or timezone.localdate()
    summary, _created = DailySummary.objects.update_or_create(
        day=day, defaults={"project_count": Project.objects.count()}
    )
    return summary
