"""Storage paths carry the schema, nothing climbs out of it, on disk and in S3 (a real
S3-compatible server: moto's, started by the test session)."""

import urllib.request
from pathlib import Path

import pytest
from django.core.exceptions import SuspiciousFileOperation, SuspiciousOperation
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from shared_apps.tenants.runtime.storage import TenantFileSystemStorage, TenantS3Storage
from tests.plugins.s3 import S3_KEYS, s3_client


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


TRAVERSALS = [
    "../org_globex/files/stolen.txt",
    "files/../../org_globex/x.txt",
    "/etc/passwd",
    "..",
    "files\\..\\..\\org_globex\\x.txt",
    "files/\x00.txt",
]


def test_each_organization_writes_under_its_own_schema(media_root: Path):
    storage = TenantFileSystemStorage()
    with schema_context("org_acme"):
        name = storage.save("files/report.txt", ContentFile(b"acme's"))
    assert (media_root / "org_acme" / name).read_bytes() == b"acme's"
    with schema_context("org_globex"):
        assert not storage.exists(name)
        storage.save("files/report.txt", ContentFile(b"globex's"))
    with schema_context("org_acme"):
        assert storage.open(name).read() == b"acme's"
    assert sorted(p.name for p in media_root.iterdir()) == ["org_acme", "org_globex"]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_names_that_leave_the_prefix_are_refused_on_disk(media_root: Path, name):
    storage = TenantFileSystemStorage()
    with schema_context("org_acme"), pytest.raises(SuspiciousOperation):
        storage.save(name, ContentFile(b"x"))
    with schema_context("org_acme"), pytest.raises(SuspiciousOperation):
        storage.open(name)
    assert not (media_root / "org_globex").exists()


def test_local_files_have_no_public_url():
    with schema_context("org_acme"), pytest.raises(ValueError, match="not accessible via a URL"):
        TenantFileSystemStorage().url("files/report.txt")


def test_a_broken_schema_name_never_becomes_a_path():
    with schema_context("../../etc"), pytest.raises(SuspiciousFileOperation):
        TenantFileSystemStorage().path("x.txt")


def s3_storage(endpoint: str, bucket: str) -> TenantS3Storage:
    return TenantS3Storage(bucket_name=bucket, endpoint_url=endpoint, location="uploads", **S3_KEYS)


def test_s3_objects_are_keyed_by_schema(s3_endpoint, s3_bucket):
    storage = s3_storage(s3_endpoint, s3_bucket)
    with schema_context("org_acme"):
        name = storage.save("files/plan.txt", ContentFile(b"acme plan"))
    with schema_context("org_globex"):
        assert not storage.exists(name)
        storage.save("files/plan.txt", ContentFile(b"globex plan"))
    keys = sorted(
        item["Key"] for item in s3_client(s3_endpoint).list_objects_v2(Bucket=s3_bucket)["Contents"]
    )
    assert keys == ["uploads/org_acme/files/plan.txt", "uploads/org_globex/files/plan.txt"]
    with schema_context("org_acme"):
        assert storage.open(name).read() == b"acme plan"


def test_s3_presigned_url_serves_the_object_and_expires_quickly(s3_endpoint, s3_bucket):
    storage = s3_storage(s3_endpoint, s3_bucket)
    with schema_context("org_acme"):
        name = storage.save("files/plan.txt", ContentFile(b"acme plan"))
        url = storage.url(name, expire=60)
    assert url.startswith(f"{s3_endpoint}/{s3_bucket}/uploads/org_acme/files/plan.txt?")
    assert "X-Amz-Expires=60" in url and "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"acme plan"


def test_s3_objects_are_private(s3_endpoint, s3_bucket):
    storage = s3_storage(s3_endpoint, s3_bucket)
    with schema_context("org_acme"):
        storage.save("files/plan.txt", ContentFile(b"x"))
    acl = s3_client(s3_endpoint).get_object_acl(
        Bucket=s3_bucket, Key="uploads/org_acme/files/plan.txt"
    )
    grantees = [grant["Grantee"].get("URI", "") for grant in acl["Grants"]]
    assert not [uri for uri in grantees if "AllUsers" in uri or "AuthenticatedUsers" in uri]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_names_that_leave_the_prefix_are_refused_in_s3(s3_endpoint, s3_bucket, name):
    storage = s3_storage(s3_endpoint, s3_bucket)
    with schema_context("org_acme"), pytest.raises(SuspiciousOperation):
        storage.save(name, ContentFile(b"x"))
    assert "Contents" not in s3_client(s3_endpoint).list_objects_v2(Bucket=s3_bucket)
