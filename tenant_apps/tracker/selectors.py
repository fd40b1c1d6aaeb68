"""Reads for the tracker: lists with their filters, one object for a member, and the
permission questions the views, the services and the API all ask the same way.

Every list selects its foreign keys and prefetches its many-to-many rows, so a page costs
the same few queries whatever the number of rows (tests/tenant_apps/tracker/test_queries.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from tenant_apps.accounts.models import User
from tenant_apps.accounts.roles import Role, has_role
from tenant_apps.tracker.models import Attachment, Comment, Project, Tag, Task, TaskChange

DUE_CHOICES = ("overdue", "today", "week", "none")


@dataclass(frozen=True)
class TaskFilters:
    """What a task list may be narrowed by; empty values mean "any"."""

    project: int | None = None
    status: str = ""
    priority: str = ""
    assignee: int | None = None
    tag: int | None = None
    due: str = ""  # one of DUE_CHOICES
    search: str = ""


# Permissions ---------------------------------------------------------------------------


def can_view(user: Any) -> bool:
    return has_role(user, Role.MEMBER)


def can_edit_task(user: Any, task: Task) -> bool:
    """Any member works on any live task of the organization."""
    return has_role(user, Role.MEMBER) and not task.is_deleted


def can_delete_task(user: Any, task: Task) -> bool:
    """The person who created the task, or an admin."""
    if not has_role(user, Role.MEMBER):
        return False
    return task.created_by_id == user.pk or has_role(user, Role.ADMIN)


def can_manage_project(user: Any, project: Project) -> bool:
    """Rename, delete: the project's creator, or an admin."""
    if not has_role(user, Role.MEMBER):
        return False
    return project.created_by_id == user.pk or has_role(user, Role.ADMIN)


def can_use_trash(user: Any) -> bool:
    """Restoring reaches other people's deleted work: admins only."""
    return has_role(user, Role.ADMIN)


# Projects ------------------------------------------------------------------------------


def projects_list() -> QuerySet[Project]:
    """Live projects with their open and total task counts (one query)."""
    live = Q(tasks__deleted_at__isnull=True)
    return Project.objects.select_related("created_by").annotate(
        task_count=Count("tasks", filter=live),
        open_count=Count("tasks", filter=live & ~Q(tasks__status=Task.Status.DONE)),
    )


def project_get(*, pk: int) -> Project | None:
    return Project.objects.select_related("created_by").filter(pk=pk).first()


# Tasks ---------------------------------------------------------------------------------


def tasks_list(*, filters: TaskFilters | None = None, today: datetime.date | None = None):
    """Live tasks of live projects, filtered, newest first, ready to render."""
    filters = filters or TaskFilters()
    today = today or timezone.localdate()
    tasks = Task.objects.filter(project__deleted_at__isnull=True)
    if filters.project:
        tasks = tasks.filter(project_id=filters.project)
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.priority:
        tasks = tasks.filter(priority=filters.priority)
    if filters.assignee:
        tasks = tasks.filter(assignee_id=filters.assignee)
    if filters.tag:
        tasks = tasks.filter(tags__id=filters.tag)
    if filters.due == "overdue":
        tasks = tasks.filter(due_date__lt=today).exclude(status=Task.Status.DONE)
    elif filters.due == "today":
        tasks = tasks.filter(due_date=today)
    elif filters.due == "week":
        tasks = tasks.filter(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=7))
    elif filters.due == "none":
        tasks = tasks.filter(due_date__isnull=True)
    if filters.search.strip():
        term = filters.search.strip()
        tasks = tasks.filter(Q(title__icontains=term) | Q(description__icontains=term))
    return tasks.select_related("project", "assignee").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name"))
    )


def task_get(*, pk: int) -> Task | None:
    """A live task of a live project, or None (deleted and unknown look the same)."""
    return (
        Task.objects.filter(pk=pk, project__deleted_at__isnull=True)
        .select_related("project", "assignee", "created_by")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .first()
    )


def task_comments(*, task: Task) -> QuerySet[Comment]:
    return Comment.objects.filter(task=task).select_related("author")


def task_attachments(*, task: Task) -> QuerySet[Attachment]:
    return Attachment.objects.filter(task=task).select_related(
        "stored_file", "stored_file__uploaded_by"
    )


def attachment_get(*, task: Task, pk: int) -> Attachment | None:
    return task_attachments(task=task).filter(pk=pk).first()


def task_history(*, task: Task) -> QuerySet[TaskChange]:
    return TaskChange.objects.filter(task=task).select_related("actor")


def tags_list() -> QuerySet[Tag]:
    return Tag.objects.all()


def assignable_members() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("email")


# The trash, the purge and the digest ---------------------------------------------------


def trashed_projects() -> QuerySet[Project]:
    return Project.all_objects.filter(deleted_at__isnull=False).order_by("-deleted_at")


def trashed_tasks() -> QuerySet[Task]:
    """Tasks deleted one by one (a deleted project's tasks go with the project)."""
    return (
        Task.all_objects.filter(deleted_at__isnull=False)
        .select_related("project")
        .order_by("-deleted_at")
    )


def overdue_by_assignee(*, today: datetime.date | None = None) -> dict[User, list[Task]]:
    """Open tasks past their due date, grouped by active assignee (the daily digest)."""
    today = today or timezone.localdate()
    tasks = (
        tasks_list(filters=TaskFilters(due="overdue"), today=today)
        .filter(assignee__is_active=True)
        .order_by("assignee_id", "due_date", "id")
    )
    grouped: dict[User, list[Task]] = {}
    for task in tasks:
        assert task.assignee is not None
        grouped.setdefault(task.assignee, []).append(task)
    return grouped
