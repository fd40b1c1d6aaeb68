"""File storage with every path under the current organization's schema.

Names stored in the database (`FileField`) are relative to the organization
("files/<uuid>/report.pdf"); the storage puts them under "<schema>/" when it touches the
disk or the bucket, using the schema the code runs in. So a name read at Acme can only
ever reach Acme's prefix, and a name that tries to climb out ("../org_globex/…") is
refused by the storage's own join check (SuspiciousFileOperation).

* `TenantFileSystemStorage`: MEDIA_ROOT/<schema>/…, the default; no public URL (files
  are served by the download view, or by the proxy through X-Accel-Redirect).
* `TenantS3Storage`: s3://<bucket>/<location>/<schema>/… through django-storages;
  private objects, presigned URLs with a short expiry.

Static assets are not stored here: they stay in STORAGES["staticfiles"].
"""

import os
import posixpath
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage
from django.db import connection
from storages.backends.s3 import S3Storage

from shared_apps.tenants.validators import SCHEMA_NAME_PATTERN


def tenant_prefix() -> str:
    """The current schema, checked to be a plain identifier (it becomes a directory)."""
    schema = connection.schema_name
    if not SCHEMA_NAME_PATTERN.fullmatch(schema or ""):
        raise SuspiciousFileOperation(f"No usable schema for file storage: {schema!r}")
    return schema


def tenant_relative_path(name: str) -> str:
    """ "<schema>/<name>" for a name that stays inside the prefix; SuspiciousFileOperation
    otherwise (absolute paths, "..", backslashes, NUL)."""
    if name == "":
        return tenant_prefix()  # the organization's own folder (listdir(""))
    if "\\" in name or "\x00" in name or name.startswith("/"):
        raise SuspiciousFileOperation(f"File name {name!r} is not a relative path.")
    normalized = posixpath.normpath(name)
    if normalized in (".", "..") or normalized.startswith("../"):
        raise SuspiciousFileOperation(f"File name {name!r} leaves the organization's folder.")
    return f"{tenant_prefix()}/{normalized}"


class TenantFileSystemStorage(FileSystemStorage):
    """MEDIA_ROOT/<schema>/<name>. The location is computed per call, not cached, because
    one storage object serves every organization in the process."""

    @property
    def base_location(self) -> str:
        root = self._value_or_setting(self._location, settings.MEDIA_ROOT)
        return os.path.join(root, tenant_prefix())

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:  # type: ignore[override]  # deliberately None: no public URL
        # No public URL: url() raises, so nothing can link to a file around the
        # download view's permission check.
        return None

    def path(self, name: str) -> str:
        tenant_relative_path(name)
        return super().path(name)


class TenantS3Storage(S3Storage):
    """<location>/<schema>/<name> in one bucket; objects private, URLs presigned."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("querystring_auth", True)
        options.setdefault("file_overwrite", False)
        options.setdefault("signature_version", "s3v4")  # SigV2 URLs are refused by AWS
        super().__init__(**options)

    @property
    def location(self) -> str:
        base = self.__dict__.get("_base_location", "").strip("/")
        return f"{base}/{tenant_prefix()}" if base else tenant_prefix()

    @location.setter
    def location(self, value: str) -> None:
        self.__dict__["_base_location"] = value or ""

    def _normalize_name(self, name: str) -> str:
        tenant_relative_path(name)
        return super()._normalize_name(name)
