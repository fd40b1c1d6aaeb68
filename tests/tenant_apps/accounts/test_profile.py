"""The profile page: a validated name, a picture stored and served inside the organization
only (PNG, JPEG or WebP by content), and the links to allauth's account pages."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import User
from tenant_apps.accounts.services import full_name_clean
from tests.tenant_apps.files.conftest import PDF, png_bytes

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def _upload(client, content: bytes, name: str = "me.png"):
    return client.post("/account/avatar/", {"avatar": SimpleUploadedFile(name, content)})


def _reload(organization, user: User) -> User:
    with schema_context(organization.schema_name):
        return User.objects.get(pk=user.pk)


def test_visitors_are_sent_to_sign_in(acme_client):
    response = acme_client.get("/account/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_links_to_the_account_pages(member_of, acme):
    _member, client = member_of(acme)
    page = client.get("/account/profile/").content.decode()
    for url in ("/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"):
        assert f'href="{url}"' in page
    assert 'action="/account/leave/"' in page


def test_name_is_saved_stripped(member_of, acme):
    member, client = member_of(acme)
    response = client.post("/account/profile/", {"full_name": "  Ada Lovelace  "})
    assert response.status_code == 302
    assert _reload(acme, member).full_name == "Ada Lovelace"
    assert "AL" in client.get("/members/").content.decode()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("x" * 201, "at most 200 characters"),
        ("Ada\x00Lovelace", "Null characters are not allowed"),  # Django's form, first
        ("Ada\x1b[31m", "letters, digits and punctuation only"),
        ("Ada\u202egnirts", "letters, digits and punctuation only"),
    ],
)
def test_bad_names_are_refused_with_a_reason(member_of, acme, name, message):
    member, client = member_of(acme)
    response = client.post("/account/profile/", {"full_name": name})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _reload(acme, member).full_name == ""


@pytest.mark.parametrize(
    ("content", "extension"), [(png_bytes(), "png"), (JPEG, "jpg"), (WEBP, "webp")]
)
def test_a_picture_is_stored_under_the_organization_and_shown_to_members(
    member_of, acme, media_root, content, extension
):
    member, client = member_of(acme)
    _colleague, colleague_client = member_of(acme, email="colleague@acme.test")
    assert _upload(client, content, name="anything.bin").status_code == 302
    member = _reload(acme, member)
    assert member.avatar.name == f"avatars/{member.avatar_id}.{extension}"
    assert (media_root / "org_acme" / member.avatar.name).read_bytes() == content
    url = f"/account/avatars/{member.avatar_id}/"
    assert f'src="{url}"' in colleague_client.get("/members/").content.decode()
    response = colleague_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == f"image/{'jpeg' if extension == 'jpg' else extension}"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (PDF, "its content is application/pdf"),
        (GIF, "its content is image/gif"),
        (b"just text", "isn&#x27;t a known image type"),
        (b"", "empty"),
    ],
)
def test_other_content_is_refused_whatever_its_name(member_of, acme, media_root, content, message):
    member, client = member_of(acme)
    response = _upload(client, content, name="me.png")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _reload(acme, member).avatar_id is None
    assert not (media_root / "org_acme" / "avatars").exists()


def test_the_service_refuses_control_characters_on_its_own(acme):
    with pytest.raises(ValidationError, match="letters, digits"):
        full_name_clean("Ada\x00")
    assert full_name_clean("  Zoë  Ñandú ") == "Zoë  Ñandú"


def test_a_picture_over_the_limit_is_refused(member_of, acme, settings):
    settings.AVATAR_MAX_UPLOAD_BYTES = 100
    _member, client = member_of(acme)
    response = _upload(client, png_bytes() + b"\x00" * 200)
    assert response.status_code == 400
    assert "pictures can be at most 100" in response.content.decode()


def test_replacing_or_removing_a_picture_deletes_the_old_bytes(
    member_of, acme, media_root, django_capture_on_commit_callbacks
):
    member, client = member_of(acme)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, png_bytes())
    first = _reload(acme, member)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, JPEG, name="me.jpg")
    second = _reload(acme, member)
    assert not (media_root / "org_acme" / first.avatar.name).exists()
    assert (media_root / "org_acme" / second.avatar.name).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/account/avatar/remove/").status_code == 302
    assert not (media_root / "org_acme" / second.avatar.name).exists()
    assert _reload(acme, member).avatar_id is None
    assert client.get(f"/account/avatars/{second.avatar_id}/").status_code == 404


def test_an_acme_picture_is_404_at_globex_and_to_visitors(
    member_of, acme, globex, acme_client, globex_client
):
    member, client = member_of(acme)
    _upload(client, png_bytes())
    url = f"/account/avatars/{_reload(acme, member).avatar_id}/"
    assert client.get(url).status_code == 200
    _globex_member, globex_member_client = member_of(globex)
    assert globex_member_client.get(url).status_code == 404
    assert globex_client.get(url).status_code == 404
    assert acme_client.get(url).status_code == 404
    assert client.get("/account/avatars/not-a-uuid/").status_code == 404


def test_a_deactivated_member_sees_no_pictures(member_of, owner_of, acme):
    owner, owner_client = owner_of(acme)
    member, member_client = member_of(acme)
    _upload(owner_client, png_bytes())
    url = f"/account/avatars/{_reload(acme, owner).avatar_id}/"
    assert member_client.get(url).status_code == 200
    with schema_context(acme.schema_name):
        User.objects.filter(pk=member.pk).update(is_active=False)
    assert member_client.get(url).status_code == 404


def test_a_picture_whose_row_cannot_be_saved_leaves_no_bytes(
    member_of, acme, media_root, monkeypatch
):
    member, client = member_of(acme)

    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("tenant_apps.accounts.services._replace_avatar", fail)
    with pytest.raises(RuntimeError):
        _upload(client, png_bytes())
    assert list((media_root / "org_acme" / "avatars").iterdir()) == []
    assert _reload(acme, member).avatar_id is None
