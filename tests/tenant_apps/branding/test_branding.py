"""Branding: the accent and logo an owner or admin sets show on that organization's pages
only; the logo is validated by its content and served only at its organization's host."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shared_apps.tenants.models import AuditEvent, Organization
from tenant_apps.branding import colours
from tests.tenant_apps.branding.conftest import stored_files
from tests.tenant_apps.files.conftest import PDF, png_bytes

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
LOGO_SRC = re.compile(r'<img src="(/branding/logo/[^"]+)"')


def upload_logo(client, name: str, content: bytes):
    return client.post("/settings/branding/logo/", {"logo": SimpleUploadedFile(name, content)})


def logo_url(client) -> str:
    match = LOGO_SRC.search(client.get("/").content.decode())
    assert match, "no logo in the header"
    return match.group(1)


@pytest.mark.parametrize(
    "accent", ["#ffffff", "#000000", "#ffcc00", "#4f46e5", "#777777", "#0a7f3f"]
)
def test_the_derived_text_colour_always_reaches_aa_on_the_accent(accent):
    assert colours.contrast_ratio(colours.text_on(accent), accent) >= 4.5
    assert colours.contrast_ratio(colours.text_on(accent), colours.hover_of(accent)) >= 4.5


def test_contrast_ratio_matches_wcag_reference_values():
    assert colours.contrast_ratio("#ffffff", "#000000") == pytest.approx(21)
    assert colours.contrast_ratio("#ffffff", "#4f46e5") == pytest.approx(6.29, abs=0.01)


def test_the_accent_reaches_acmes_pages_and_not_globexs(
    acme_owner_client, globex_owner_client, acme
):
    response = acme_owner_client.post("/settings/branding/", {"accent": " #0A7F3F "})
    assert (response.status_code, response["Location"]) == (302, "/settings/branding/")
    assert Organization.objects.get(pk=acme.pk).brand_accent == "#0a7f3f"
    event = AuditEvent.objects.get(action="organization.branding.accent", organization=acme)
    assert event.detail == {"previous": "", "accent": "#0a7f3f"}
    acme_page = acme_owner_client.get("/members/").content.decode()
    assert "--brand:#0a7f3f;" in acme_page and "--brand-text:#ffffff;" in acme_page
    globex_page = globex_owner_client.get("/members/").content.decode()
    assert "#0a7f3f" not in globex_page and "--brand:" not in globex_page


def test_an_htmx_answer_carries_no_accent_style(acme_owner_client):
    """htmx parses a whole answer; its <style> would carry that answer's nonce, not the
    page's, and the browser reports a CSP violation in the page (the files page's upload)."""
    acme_owner_client.post("/settings/branding/", {"accent": "#0a7f3f"})
    assert "--brand:#0a7f3f;" in acme_owner_client.get("/files/").content.decode()
    answer = acme_owner_client.get("/files/", HTTP_HX_REQUEST="true").content.decode()
    assert "<style" not in answer and 'id="files-panel"' in answer


def test_a_light_accent_gets_black_text_and_keeps_the_default_link_colour(acme_owner_client):
    acme_owner_client.post("/settings/branding/", {"accent": "#ffcc00"})
    page = acme_owner_client.get("/").content.decode()
    assert "--brand-text:#000000;" in page
    assert "--brand-link:" not in page  # unreadable on the light background
    assert "--brand-link-dark:#ffcc00;" in page  # readable on the dark one


@pytest.mark.parametrize("accent", ["red", "#12345", "#gggggg", "#fff;}", "12345678", "#1234567"])
def test_a_bad_accent_is_a_form_error_and_changes_nothing(acme_owner_client, acme, accent):
    response = acme_owner_client.post("/settings/branding/", {"accent": accent})
    assert response.status_code == 400
    expected = "at most 7 characters" if len(accent) > 7 else "six hex digits"
    assert expected in response.content.decode()
    assert Organization.objects.get(pk=acme.pk).brand_accent == ""


def test_clearing_the_accent_returns_to_the_default(acme_owner_client, acme):
    acme_owner_client.post("/settings/branding/", {"accent": "#0a7f3f"})
    acme_owner_client.post("/settings/branding/", {"accent": ""})
    assert Organization.objects.get(pk=acme.pk).brand_accent == ""
    assert "--brand:" not in acme_owner_client.get("/").content.decode()


def test_the_logo_is_stored_under_the_schema_and_served_only_at_its_host(
    acme_owner_client, globex_owner_client, acme_client, globex_client, acme, globex, media_root
):
    response = upload_logo(acme_owner_client, "../../Our logo (final).PNG", png_bytes())
    assert (response.status_code, response["Location"]) == (302, "/settings/branding/")
    name = Organization.objects.get(pk=acme.pk).brand_logo
    assert re.fullmatch(r"branding/logo-[0-9a-f]{32}\.png", name)
    assert stored_files(media_root, acme) == [name]
    assert AuditEvent.objects.filter(
        action="organization.branding.logo", organization=acme
    ).exists()

    url = logo_url(acme_owner_client)
    served = acme_client.get(url)  # the sign-in page shows it too: no session needed
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == png_bytes()
    assert (served["Content-Type"], served["X-Content-Type-Options"]) == ("image/png", "nosniff")

    assert globex_client.get(url).status_code == 404
    assert globex_owner_client.get(url).status_code == 404
    assert not LOGO_SRC.search(globex_owner_client.get("/").content.decode())


def test_globex_with_a_logo_of_its_own_still_404s_acmes_logo_url(
    acme_owner_client, globex_owner_client, globex_client
):
    upload_logo(acme_owner_client, "acme.png", png_bytes())
    upload_logo(globex_owner_client, "globex.png", png_bytes())
    acme_url, globex_url = logo_url(acme_owner_client), logo_url(globex_owner_client)
    assert acme_url != globex_url
    assert globex_client.get(acme_url).status_code == 404
    assert globex_client.get(globex_url).status_code == 200


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.svg", SVG, "its content is text/plain"),
        ("logo.png", SVG, "its content is text/plain"),
        ("logo.pdf", PDF, "its content is application/pdf"),
        ("logo.gif", b"GIF89a" + b"\x00" * 20, "its content is image/gif"),
        ("logo.jpg", png_bytes(), "named as .jpg but its content is image/png"),
        ("logo.png", b"", "is empty"),
    ],
)
def test_an_invalid_logo_is_a_400_and_nothing_is_stored(
    acme_owner_client, acme, media_root, name, content, message
):
    response = upload_logo(acme_owner_client, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored_files(media_root, acme) == []
    assert Organization.objects.get(pk=acme.pk).brand_logo == ""


def test_an_oversized_logo_is_refused_with_the_limit(acme_owner_client, acme, media_root, settings):
    settings.BRANDING_LOGO_MAX_BYTES = 50
    response = upload_logo(acme_owner_client, "logo.png", png_bytes() + b"\x00" * 50)
    assert response.status_code == 400
    assert "files can be at most 50\xa0bytes" in response.content.decode()
    assert not (media_root / acme.schema_name).exists()


def test_removing_the_logo_deletes_it_and_its_url(
    acme_owner_client, acme_client, acme, media_root, django_capture_on_commit_callbacks
):
    upload_logo(acme_owner_client, "logo.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 16)
    url = logo_url(acme_owner_client)
    with django_capture_on_commit_callbacks(execute=True):
        response = acme_owner_client.post("/settings/branding/logo/remove/")
    assert response.status_code == 302
    assert Organization.objects.get(pk=acme.pk).brand_logo == ""
    assert stored_files(media_root, acme) == []
    assert acme_client.get(url).status_code == 404
    assert AuditEvent.objects.filter(
        action="organization.branding.logo_removed", organization=acme
    ).exists()


def test_a_new_logo_replaces_the_old_ones_bytes(
    acme_owner_client, acme, media_root, django_capture_on_commit_callbacks
):
    upload_logo(acme_owner_client, "first.png", png_bytes())
    first = Organization.objects.get(pk=acme.pk).brand_logo
    with django_capture_on_commit_callbacks(execute=True):
        upload_logo(acme_owner_client, "second.png", png_bytes())
    second = Organization.objects.get(pk=acme.pk).brand_logo
    assert second != first
    assert stored_files(media_root, acme) == [second]
