"""Profile pictures: PNG, JPEG or WebP judged by their bytes, stored under the
organization's prefix in the default storage (shared_apps.tenants.runtime.storage), like
the files app's uploads, and served only to this organization's members."""

import uuid
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

# Sniffed type → the extension the stored name gets (the upload's own name is ignored).
AVATAR_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
CONTENT_TYPES = {extension: mime for mime, extension in AVATAR_TYPES.items()}


@dataclass(frozen=True)
class InspectedAvatar:
    avatar_id: uuid.UUID
    name: str  # relative to the organization's prefix


def avatar_inspect(upload: UploadedFile) -> InspectedAvatar:
    """Check size and content type (ValidationError with what to do), and name the file."""
    limit = settings.AVATAR_MAX_UPLOAD_BYTES
    if not upload.size:
        raise ValidationError("That file is empty. Choose a PNG, JPEG or WebP picture.")
    if upload.size > limit:
        raise ValidationError(
            f"That picture is {filesizeformat(upload.size)}; pictures can be at most "
            f"{filesizeformat(limit)}."
        )
    upload.seek(0)
    kind = filetype.guess(upload.read(262))
    upload.seek(0)
    extension = AVATAR_TYPES.get(kind.mime) if kind else None
    if extension is None:
        found = f"its content is {kind.mime}" if kind else "its content isn't a known image type"
        raise ValidationError(f"That file can't be a picture: {found}. Use PNG, JPEG or WebP.")
    avatar_id = uuid.uuid4()
    return InspectedAvatar(avatar_id=avatar_id, name=f"avatars/{avatar_id}.{extension}")


def avatar_content_type(name: str) -> str:
    return CONTENT_TYPES[name.rpartition(".")[2]]
