"""Uploaded files: the row in the organization's schema, the bytes under its prefix in
the default storage (shared_apps.tenants.runtime.storage)."""

import uuid

from django.conf import settings
from django.db import models


def stored_file_path(instance: "StoredFile", filename: str) -> str:
    """Relative to the organization's prefix; the folder is ours, only the last part theirs."""
    return f"files/{instance.public_id}/{filename}"


class StoredFile(models.Model):
    # In URLs instead of the id: unguessable, and an id from one organization's link
    # never names another organization's file.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255, help_text="Sanitized file name, used for downloads.")
    file = models.FileField(upload_to=stored_file_path, max_length=500)
    content_type = models.CharField(max_length=100, help_text="Sniffed from the content.")
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name
