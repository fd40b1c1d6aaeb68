"""The outbox and the consumers' own tables, in every organization's schema.

The outbox lives beside the data it describes, so an event is written in the same
transaction as its change, and an organization's export or move takes its events along.
"""

import uuid

from django.db import models


class OutboxEvent(models.Model):
    """One event waiting for (or done with) the relay. `id` orders events: see emit()."""

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=100)
    schema_version = models.PositiveSmallIntegerField()
    entity_type = models.CharField(max_length=100)
    entity_id = models.CharField(max_length=100)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The relay's scan: unsent rows in order, and nothing else.
            models.Index(
                fields=["id"], name="events_outbox_unsent", condition=models.Q(sent_at=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.entity_type}:{self.entity_id}"


class ProcessedEvent(models.Model):
    """An event a consumer has applied: delivery is at-least-once, application is once."""

    consumer = models.CharField(max_length=100)
    event_id = models.UUIDField()
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consumer", "event_id"], name="events_processed_once")
        ]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_id}"


class AuditEntry(models.Model):
    """Who did what to which object, from where: the organization's own audit log."""

    event_id = models.UUIDField(unique=True)
    event_type = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    actor_id = models.CharField(max_length=100, blank=True)
    actor_email = models.CharField(max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    entity_type = models.CharField(max_length=100)
    entity_id = models.CharField(max_length=100)
    summary = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["-occurred_at", "-id"], name="events_audit_recent")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_email} {self.event_type}"


class ActivityEntry(models.Model):
    """One change in a tracker project, for its activity feed (tenant_apps/events/activity.py).

    `project_id` is a plain column, not a foreign key: the feed outlives a project moved to
    the trash, and the events app keeps no schema dependency on the tracker's tables."""

    event_id = models.UUIDField(unique=True)
    project_id = models.BigIntegerField()
    event_type = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    actor_email = models.CharField(max_length=254, blank=True)
    summary = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["project_id", "-occurred_at", "-id"], name="events_activity_recent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.summary}"
