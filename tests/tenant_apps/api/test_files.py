"""/api/v1/files/: the UI's validation and access checks, through the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenant_apps.files.models import StoredFile
from tests.tenant_apps.files.conftest import ELF, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def _upload(client, name, content, **headers):
    return client.post("/api/v1/files/", {"file": SimpleUploadedFile(name, content)}, **headers)


def test_upload_list_download(acme, member_of, in_schema, media_root):
    _alice, client = member_of(acme)
    response = _upload(client, "diagram.png", png_bytes())
    assert response.status_code == 201
    body = response.json()["data"]
    assert (body["name"], body["content_type"], body["size"]) == (
        "diagram.png", "image/png", len(png_bytes()),
    )  # fmt: skip
    with in_schema(acme):
        stored = StoredFile.objects.get()
    assert (media_root / "org_acme" / stored.file.name).read_bytes() == png_bytes()
    assert [f["id"] for f in client.get("/api/v1/files/").json()["data"]] == [body["id"]]
    download = client.get(f"/api/v1/files/{body['id']}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == png_bytes()
    assert download["Content-Disposition"] == 'attachment; filename="diagram.png"'


def test_refused_upload_is_422_on_the_file_field(acme, member_of, in_schema):
    _alice, client = member_of(acme)
    response = _upload(client, "notes.txt", ELF)
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["file"]
    with in_schema(acme):
        assert not StoredFile.objects.exists()


def test_missing_file_is_422(acme, member_of):
    _alice, client = member_of(acme)
    response = client.post("/api/v1/files/", {})
    assert response.status_code == 422
    assert "file" in response.json()["error"]["fields"]


def test_acme_file_is_404_at_globex(acme, globex, member_of):
    _alice, client = member_of(acme)
    _bob, globex_client = member_of(globex)
    file_id = _upload(client, "diagram.png", png_bytes()).json()["data"]["id"]
    assert globex_client.get(f"/api/v1/files/{file_id}/").status_code == 404
    assert globex_client.get(f"/api/v1/files/{file_id}/download/").status_code == 404
    assert client.get("/api/v1/files/not-a-uuid/").status_code == 404


def test_only_the_uploader_or_an_admin_deletes(acme, member_of):
    _alice, alice_client = member_of(acme)
    _bob, bob_client = member_of(acme, "member", "bob@acme.test")
    file_id = _upload(alice_client, "diagram.png", png_bytes()).json()["data"]["id"]
    assert bob_client.delete(f"/api/v1/files/{file_id}/").status_code == 403
    assert alice_client.delete(f"/api/v1/files/{file_id}/").status_code == 204


def test_file_list_has_no_n_plus_one(acme, member_of, django_assert_num_queries):
    _alice, client = member_of(acme)
    client.get("/api/v1/files/")
    for i in range(4):
        _upload(client, f"d{i}.png", png_bytes())
    with django_assert_num_queries(2):  # the signed-in user, the page with uploaders joined
        assert len(client.get("/api/v1/files/").json()["data"]) == 4
