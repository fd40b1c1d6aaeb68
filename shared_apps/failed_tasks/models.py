from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class FailedTask(models.Model):
    """A task that failed past its retries (or hit its hard time limit), kept in public so
    an operator can read why and queue it again (`manage.py failed_tasks`).

    It names its organization by schema, not by foreign key: the record must outlive the
    organization, and tenant data never points into public nor public into tenants.
    """

    task_id = models.CharField(max_length=255, db_index=True)
    task_name = models.CharField(max_length=255, db_index=True)
    schema_name = models.CharField(max_length=63, db_index=True, help_text="`public` or org_…")
    queue = models.CharField(max_length=200, blank=True)
    args = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    kwargs = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    correlation_id = models.CharField(max_length=128, blank=True)
    user_id = models.CharField(max_length=64, blank=True)
    retries = models.PositiveIntegerField(default=0)
    exception_type = models.CharField(max_length=255)
    exception_message = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    failed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    replayed_at = models.DateTimeField(null=True, blank=True)
    replayed_as = models.CharField(max_length=255, blank=True, help_text="The new task id.")

    class Meta:
        ordering = ["-failed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task_name}[{self.task_id}] in {self.schema_name}"
