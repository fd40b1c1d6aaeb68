from django.db import models


class Project(models.Model):
    """A demo product record: lives in each organization's schema."""

    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


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
