"""One row per organization and day, in the public schema (the platform reads across)."""

from django.db import models

from shared_apps.tenants.models import Organization


class UsageDay(models.Model):
    """The day's totals as last flushed from the meters (services.usage_flush)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    api_calls = models.PositiveBigIntegerField(default=0)
    events = models.PositiveBigIntegerField(default=0)
    active_members = models.PositiveIntegerField(default=0)
    storage_bytes = models.PositiveBigIntegerField(default=0)
    task_seconds = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "day"], name="usage_one_row_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.day}"
