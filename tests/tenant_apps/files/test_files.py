"""Uploads are validated and stored under the organization's prefix; downloads check the
organization and the member before serving, in every serving mode."""

import urllib.request
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenant_apps.files.models import StoredFile
from tenant_apps.files.validation import sanitized_name
from tests.plugins.s3 import s3_client
from tests.tenant_apps.files.conftest import ELF, PDF, png_bytes

pytestmark = pytest.mark.django_db


def upload(client, name: str, content: bytes, **headers):
    return client.post("/files/", {"file": SimpleUploadedFile(name, content)}, **headers)


def only_file(in_schema, organization) -> StoredFile:
    with in_schema(organization):
        return StoredFile.objects.get()


def test_upload_is_stored_under_the_organizations_schema(acme, member_of, in_schema, media_root):
    _alice, client = member_of(acme)
    response = upload(client, "diagram.png", png_bytes())
    assert (response.status_code, response["Location"]) == (302, "/files/")
    stored = only_file(in_schema, acme)
    assert (stored.name, stored.content_type) == ("diagram.png", "image/png")
    assert stored.file.name == f"files/{stored.public_id}/diagram.png"
    assert (media_root / "org_acme" / stored.file.name).read_bytes() == png_bytes()
    assert "diagram.png" in client.get("/files/").content.decode()


def test_another_organization_lists_none_of_it(acme, globex, member_of, in_schema):
    _alice, client = member_of(acme)
    _bob, globex_client = member_of(globex)
    upload(client, "diagram.png", png_bytes())
    assert "diagram.png" not in globex_client.get("/files/").content.decode()
    with in_schema(globex):
        assert not StoredFile.objects.exists()


def test_oversized_upload_is_refused_with_the_limit(acme, member_of, in_schema, settings):
    settings.FILES_MAX_UPLOAD_BYTES = 100
    _alice, client = member_of(acme)
    response = upload(client, "notes.txt", b"x" * 101)
    assert response.status_code == 400
    assert "files can be at most 100\xa0bytes" in response.content.decode()
    with in_schema(acme):
        assert not StoredFile.objects.exists()


def test_mislabelled_upload_is_refused(acme, member_of, in_schema, media_root):
    _alice, client = member_of(acme)
    response = upload(client, "invoice.pdf", png_bytes())
    assert response.status_code == 400
    assert "named as .pdf but its content is image/png" in response.content.decode()
    with in_schema(acme):
        assert not StoredFile.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_executable_named_as_text_is_refused(acme, member_of):
    _alice, client = member_of(acme)
    response = upload(client, "notes.txt", ELF)
    assert response.status_code == 400
    assert "its content is application/x-executable" in response.content.decode()


def test_browser_content_type_is_ignored(acme, member_of, in_schema):
    _alice, client = member_of(acme)
    file = SimpleUploadedFile("paper.pdf", PDF, content_type="image/png")
    client.post("/files/", {"file": file})
    assert only_file(in_schema, acme).content_type == "application/pdf"


def test_path_in_the_uploaded_name_cannot_escape(acme, member_of, in_schema, media_root):
    _alice, client = member_of(acme)
    upload(client, "../../org_globex/files/evil.png", png_bytes())
    stored = only_file(in_schema, acme)
    assert stored.name == "evil.png"
    assert (media_root / "org_acme" / stored.file.name).exists()
    assert not (media_root / "org_globex").exists()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("../../etc/passwd", "passwd"), ("..\\..\\boot.ini", "boot.ini"), (".env", "env"),
     ("a\x00b\n.txt", "ab.txt"), ("résumé 2024 (final).pdf", "résumé 2024 (final).pdf"),
     ("<script>.txt", "_script_.txt"), ("", "file"), ("..", "file"),
     ("x" * 300 + ".pdf", "x" * 116 + ".pdf")],
)  # fmt: skip
def test_sanitized_names(raw, clean):
    assert sanitized_name(raw) == clean


def test_htmx_upload_gets_its_errors_in_a_200(acme, member_of):
    _alice, client = member_of(acme)
    response = upload(client, "invoice.pdf", png_bytes(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="upload-errors"' in response.content.decode()


def test_failed_recording_leaves_no_stored_bytes(acme, member_of, media_root):
    _alice, client = member_of(acme)
    with (
        mock.patch.object(StoredFile, "save", side_effect=RuntimeError("database went away")),
        pytest.raises(RuntimeError),
    ):
        upload(client, "diagram.png", png_bytes())
    assert [path for path in Path(media_root).rglob("*") if path.is_file()] == []


def test_member_downloads_as_an_attachment(acme, member_of, in_schema):
    _alice, client = member_of(acme)
    _bob, bob_client = member_of(acme, "member", "bob@acme.test")
    upload(client, "diagram.png", png_bytes())
    stored = only_file(in_schema, acme)
    response = bob_client.get(f"/files/{stored.public_id}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="diagram.png"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_link_copied_from_acme_is_404_at_globex_and_for_visitors(
    acme, globex, member_of, in_schema, acme_client
):
    _alice, client = member_of(acme)
    _bob, globex_client = member_of(globex)
    upload(client, "diagram.png", png_bytes())
    link = f"/files/{only_file(in_schema, acme).public_id}/"
    assert client.get(link).status_code == 200
    assert globex_client.get(link).status_code == 404
    assert acme_client.get(link).status_code == 404  # signed out, at the right host


def test_deactivated_member_cannot_download(acme, member_of, in_schema):
    alice, client = member_of(acme)
    upload(client, "diagram.png", png_bytes())
    link = f"/files/{only_file(in_schema, acme).public_id}/"
    with in_schema(acme):
        alice.is_active = False
        alice.save(update_fields=["is_active"])
    assert client.get(link).status_code == 404


def test_accel_mode_hands_the_file_to_the_proxy(acme, member_of, in_schema, settings):
    settings.FILES_DOWNLOAD = "accel"
    _alice, client = member_of(acme)
    upload(client, "diagram.png", png_bytes())
    stored = only_file(in_schema, acme)
    response = client.get(f"/files/{stored.public_id}/")
    assert response["X-Accel-Redirect"] == f"/_protected/org_acme/{stored.file.name}"
    assert response.content == b""
    assert response["Content-Disposition"] == 'attachment; filename="diagram.png"'


def test_uploader_and_admins_delete_other_members_cannot(
    acme, member_of, in_schema, media_root, django_capture_on_commit_callbacks
):
    _alice, client = member_of(acme)
    _bob, bob_client = member_of(acme, "member", "bob@acme.test")
    _admin, admin_client = member_of(acme, "admin")
    upload(client, "diagram.png", png_bytes())
    stored = only_file(in_schema, acme)
    bob_client.post(f"/files/{stored.public_id}/delete/")
    assert only_file(in_schema, acme) == stored
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/files/{stored.public_id}/delete/")
    with in_schema(acme):
        assert not StoredFile.objects.exists()
    assert not (media_root / "org_acme" / stored.file.name).exists()


def test_s3_upload_and_presigned_download(
    acme, globex, member_of, in_schema, settings, s3_storage_settings, s3_endpoint
):
    settings.FILES_DOWNLOAD = "presigned"
    _alice, client = member_of(acme)
    _bob, globex_client = member_of(globex)
    upload(client, "paper.pdf", PDF)
    stored = only_file(in_schema, acme)
    keys = [
        item["Key"]
        for item in s3_client(s3_endpoint).list_objects_v2(Bucket=s3_storage_settings)["Contents"]
    ]
    assert keys == [f"uploads/org_acme/{stored.file.name}"]
    response = client.get(f"/files/{stored.public_id}/")
    assert response.status_code == 302
    url = response["Location"]
    assert url.startswith(f"{s3_endpoint}/{s3_storage_settings}/uploads/org_acme/files/")
    assert "X-Amz-Expires=60" in url
    with urllib.request.urlopen(url, timeout=10) as fetched:
        assert fetched.read() == PDF
        assert fetched.headers["Content-Disposition"] == 'attachment; filename="paper.pdf"'
    assert globex_client.get(f"/files/{stored.public_id}/").status_code == 404


def test_files_page_needs_sign_in(acme_client):
    response = acme_client.get("/files/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_long_cjk_name_is_shortened_to_fit_the_file_system_and_stored(
    acme, member_of, in_schema, media_root
):
    _alice, client = member_of(acme)
    name = "文" * 120 + ".png"  # 124 characters, 364 bytes: over a file system's 255
    response = upload(client, name, png_bytes())
    assert response.status_code == 302
    stored = only_file(in_schema, acme)
    assert len(stored.name.encode()) <= 200 and stored.name.endswith(".png")
    assert stored.name == "文" * 65 + ".png"
    assert (media_root / "org_acme" / stored.file.name).exists()
