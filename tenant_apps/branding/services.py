"""Changes to an organization's branding, each audited like its other changes.

The logo's bytes go to the tenant storage under this organization's schema prefix
("<schema>/branding/logo-<uuid>.<ext>"), named by the app, never by the upload; the row
points at them. A replaced or removed logo's bytes are deleted once the change commits.
"""

import uuid

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django_tenants.utils import schema_context

from shared_apps.tenants.audit import Actor, audit_record
from shared_apps.tenants.models import Organization
from tenant_apps.branding.colours import accent_clean
from tenant_apps.files.validation import inspect_upload


def organization_accent_set(
    *, organization: Organization, accent: object, actor: Actor
) -> Organization:
    """Set (or, with '', clear) the accent colour; ValidationError keyed "accent"."""
    accent = accent_clean(accent)
    with transaction.atomic():
        previous, organization.brand_accent = organization.brand_accent, accent
        organization.save(update_fields=["brand_accent", "updated_at"])
        audit_record(
            actor=actor, action="organization.branding.accent", organization=organization,
            previous=previous, accent=accent,
        )  # fmt: skip
    return organization


def organization_logo_set(
    *, organization: Organization, upload: UploadedFile, actor: Actor
) -> Organization:
    """Validate (ValidationError saying why), store, then point the organization at it.
    Nothing stays stored when validation or the save fails."""
    inspected = inspect_upload(
        upload,
        allowed_types=settings.BRANDING_LOGO_TYPES,
        max_bytes=settings.BRANDING_LOGO_MAX_BYTES,
    )
    extension = settings.BRANDING_LOGO_TYPES[inspected.content_type][0]
    name = default_storage.save(f"branding/logo-{uuid.uuid4().hex}.{extension}", upload)
    try:
        with transaction.atomic():
            previous, organization.brand_logo = organization.brand_logo, name
            organization.save(update_fields=["brand_logo", "updated_at"])
            audit_record(
                actor=actor, action="organization.branding.logo", organization=organization,
                uploaded=inspected.name, size=inspected.size, content_type=inspected.content_type,
            )  # fmt: skip
            _delete_after_commit(previous)
    except BaseException:
        default_storage.delete(name)
        raise
    return organization


def organization_logo_remove(*, organization: Organization, actor: Actor) -> Organization:
    with transaction.atomic():
        previous, organization.brand_logo = organization.brand_logo, ""
        organization.save(update_fields=["brand_logo", "updated_at"])
        audit_record(
            actor=actor, action="organization.branding.logo_removed", organization=organization
        )
        _delete_after_commit(previous)
    return organization


def _delete_after_commit(name: str) -> None:
    if not name:
        return
    schema = connection.schema_name

    def delete_bytes() -> None:
        # The commit may come after the connection left the organization's schema.
        with schema_context(schema):
            default_storage.delete(name)

    transaction.on_commit(delete_bytes)
