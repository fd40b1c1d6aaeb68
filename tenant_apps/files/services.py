"""Writes on files. A stored object and its row exist together or not at all."""

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import User
from tenant_apps.events.services import emit
from tenant_apps.files.models import StoredFile
from tenant_apps.files.selectors import can_delete
from tenant_apps.files.validation import inspect_upload


def file_upload(*, upload: UploadedFile, uploaded_by: User) -> StoredFile:
    """Validate (ValidationError with the reason), store under the organization's prefix,
    then record it. If recording fails, the stored bytes are removed again."""
    inspected = inspect_upload(upload)
    stored = StoredFile(
        name=inspected.name,
        content_type=inspected.content_type,
        size=inspected.size,
        uploaded_by=uploaded_by,
    )
    stored.file.save(inspected.name, upload, save=False)
    try:
        with transaction.atomic():
            stored.save()
            emit("files.file.uploaded", entity=stored, actor=uploaded_by)
    except BaseException:
        stored.file.storage.delete(stored.file.name)
        raise
    return stored


def file_delete(*, stored_file: StoredFile, deleted_by: User) -> None:
    """Remove the row now and the bytes once that commits (a rollback keeps both)."""
    if not can_delete(user=deleted_by, stored_file=stored_file):
        raise PermissionDenied("Only the person who uploaded a file or an admin can delete it.")
    storage, name, schema = stored_file.file.storage, stored_file.file.name, connection.schema_name

    def delete_bytes() -> None:
        # The commit may come after the request has left the organization's schema
        # (an enclosing transaction): name the schema the path belongs to.
        with schema_context(schema):
            storage.delete(name)

    with transaction.atomic():
        emit("files.file.deleted", entity=stored_file, actor=deleted_by)
        stored_file.delete()
        transaction.on_commit(delete_bytes)
