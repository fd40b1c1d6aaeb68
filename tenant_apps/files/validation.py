"""What an upload must be before it is stored: small enough, of an accepted type judged
by its content (not its name or the browser's Content-Type), and named like that type.

Types come from the file's first bytes (`filetype`, pure Python, reads magic numbers);
content with no signature counts as plain text when it is valid UTF-8 without NUL bytes.
"""

import codecs
import posixpath
import re
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

_HEAD_BYTES = 8192
_NAME_MAX = 120
# A file-system name is at most 255 bytes (ext4, APFS…), and storages may add a
# "_abc1234" suffix on a collision: keep well below, counting UTF-8 bytes (a CJK
# character is three).
_NAME_MAX_BYTES = 200
_UNSAFE = re.compile(r"[^\w.\- ()]+")


@dataclass(frozen=True)
class InspectedUpload:
    name: str
    content_type: str
    size: int


def sanitized_name(raw: str) -> str:
    """A file name safe to store and to send back in Content-Disposition: no directory
    part, no control characters, no leading dots, at most 120 characters and 200 bytes
    (shortened, whole characters kept, the extension too)."""
    name = unicodedata.normalize("NFKC", raw or "").replace("\\", "/")
    name = posixpath.basename(name)
    name = "".join(char for char in name if char.isprintable())
    name = _UNSAFE.sub("_", name).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if len(name) > _NAME_MAX or len(name.encode()) > _NAME_MAX_BYTES:
        extension = extension[:16]
        stem = stem[: _NAME_MAX - len(extension) - 1]
        while len(f"{stem}.{extension}".encode()) > _NAME_MAX_BYTES:
            stem = stem[:-1]
        name = f"{stem}.{extension}" if extension else stem
    return name or "file"


def sniffed_type(head: bytes) -> str | None:
    """The MIME type the bytes are, or None when unrecognised."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if head and b"\x00" not in head:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


def inspect_upload(
    upload: UploadedFile,
    *,
    allowed_types: dict[str, list[str]] | None = None,
    max_bytes: int | None = None,
) -> InspectedUpload:
    """Check size, content type and name; ValidationError with a message for the user.

    `allowed_types` (sniffed type → extensions) and `max_bytes` default to the files
    page's FILES_ALLOWED_TYPES and FILES_MAX_UPLOAD_BYTES; other uploads (logos) narrow them.
    """
    limit = settings.FILES_MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    name = sanitized_name(upload.name or "")
    if upload.size == 0:
        raise ValidationError(f"“{name}” is empty.", code="empty")
    if upload.size > limit:
        raise ValidationError(
            f"“{name}” is {filesizeformat(upload.size)}; files can be at most "
            f"{filesizeformat(limit)}.",
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(_HEAD_BYTES)
    upload.seek(0)
    allowed: dict[str, list[str]] = allowed_types or settings.FILES_ALLOWED_TYPES
    content_type = sniffed_type(head)
    if content_type is None or content_type not in allowed:
        what = (
            f"its content is {content_type}" if content_type else "its content isn't a known type"
        )
        raise ValidationError(
            f"“{name}” can't be uploaded: {what}. Accepted: {_accepted(allowed)}.",
            code="type_not_allowed",
        )
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension not in allowed[content_type]:
        expected = ", ".join(f".{ext}" for ext in allowed[content_type])
        raise ValidationError(
            f"“{name}” is named as {'.' + extension if extension else 'having no type'} but its "
            f"content is {content_type}. Rename it ({expected}) or upload the file you meant to.",
            code="mislabelled",
        )
    return InspectedUpload(name=name, content_type=content_type, size=upload.size)


def _accepted(allowed: dict[str, list[str]]) -> str:
    return ", ".join(sorted({f".{ext}" for extensions in allowed.values() for ext in extensions}))
