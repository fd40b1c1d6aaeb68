"""Sample files, a private MEDIA_ROOT per test, and the S3 storage pointed at a real
S3-compatible server (tests/plugins/s3.py)."""

import struct
import zlib

import pytest

from tests.plugins.s3 import S3_KEYS


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 57


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def s3_storage_settings(settings, s3_endpoint, s3_bucket):
    """STORAGES["default"] pointed at the bucket, as FILES_STORAGE=s3 does."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "shared_apps.tenants.runtime.storage.TenantS3Storage",
            "OPTIONS": {
                "bucket_name": s3_bucket,
                "endpoint_url": s3_endpoint,
                "location": "uploads",
                "querystring_expire": 60,
                **S3_KEYS,
            },
        },
    }
    return s3_bucket
