"""The tracker, a small real product in each organization's schema: projects, tasks,
tags, comments, attachments and each task's change history.

Projects and tasks are deleted softly (`deleted_at`): `objects` hides them, `all_objects`
sees them (the trash, restore and the purge). Foreign keys read through Django's base
manager, so a task still reaches its project while that project is in the trash.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class LiveManager(models.Manager):
    """The default manager: rows in the trash are invisible unless asked for."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeletable(models.Model):
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects: Any = LiveManager()
    all_objects: Any = models.Manager()

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Project(SoftDeletable):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The trash and the purge read deleted rows only; live reads skip the index.
            models.Index(
                fields=["deleted_at"],
                name="tracker_project_trash",
                condition=models.Q(deleted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A label for tasks. Unique per organization (the schema is the organization),
    ignoring case, so "Bug" and "bug" are one tag."""

    name = models.CharField(max_length=50)
    colour = models.CharField(
        max_length=7, default="#64748b", help_text="A CSS hex colour, e.g. #e11d48."
    )

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="tracker_tag_name_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(colour__regex=r"^#[0-9a-fA-F]{6}$"),
                name="tracker_tag_colour_hex",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Task(SoftDeletable):
    class Status(models.TextChoices):
        TODO = "todo", "To do"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TODO)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tasks",
    )
    due_date = models.DateField(null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="tasks")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list filters: a project's board by status, "my tasks" by status, due
            # and overdue, and the trash (deleted rows only).
            models.Index(fields=["project", "status"], name="tracker_task_project_status"),
            models.Index(fields=["assignee", "status"], name="tracker_task_assignee_status"),
            models.Index(fields=["due_date"], name="tracker_task_due"),
            models.Index(
                fields=["deleted_at"],
                name="tracker_task_trash",
                condition=models.Q(deleted_at__isnull=False),
            ),
            # The default order of every list, so a page is an index range, not a sort.
            models.Index(fields=["-created_at", "-id"], name="tracker_task_recent"),
        ]

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=10_000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["task", "created_at"], name="tracker_comment_task")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on task {self.task_id}"


class Attachment(models.Model):
    """A file on a task. The bytes and their checks belong to tenant_apps.files (one
    upload path for the organization): this row only ties a stored file to the task."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="attachments")
    stored_file = models.OneToOneField(
        "files.StoredFile", on_delete=models.CASCADE, related_name="tracker_attachment"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Attachment {self.pk} on task {self.task_id}"


class TaskChange(models.Model):
    """One line of a task's history: who changed which field from what to what, when.
    Written by the services in the transaction of the change itself."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    field = models.CharField(max_length=50)
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["task", "at"], name="tracker_change_task")]

    def __str__(self) -> str:
        return f"{self.field}: {self.old!r} → {self.new!r}"


class DailySummary(models.Model):
    """Figures for one day, recomputed by a periodic task (tracker.tasks.summary_refresh).

    One row per day (unique): recomputing replaces the figures rather than adding a row, so
    the task can run twice, or be retried, without changing the outcome.
    """

    day = models.DateField(unique=True)
    project_count = models.PositiveIntegerField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.project_count} projects"
