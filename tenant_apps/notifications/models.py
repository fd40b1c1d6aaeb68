"""Notifications live in each organization's schema, one row per recipient."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """Something a member should see; read state is per recipient."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # A path inside this organization's site (never an absolute URL to elsewhere).
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # What produced it (e.g. the task id of an announcement): a task run again after a
    # crash stores nothing twice.
    source = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            # The bell's latest few per member (selectors.bell_states), read in order.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_latest"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "source"],
                condition=~models.Q(source=""),
                name="notification_once_per_source",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
