"""Emails carry a plain-text part and an HTML part in their organization's branding:
Acme's name, absolute logo URL and accent, and nothing of Globex's."""

import re
from datetime import date

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from shared_apps.tenants.models import Organization
from tenant_apps.branding.emails import branded_email
from tenant_apps.tracker.models import Project, Task
from tenant_apps.tracker.services import overdue_digest_send
from tests.tenant_apps.files.conftest import png_bytes

pytestmark = pytest.mark.django_db


def brand(client, accent: str) -> None:
    assert client.post("/settings/branding/", {"accent": accent}).status_code == 302
    logo = SimpleUploadedFile("logo.png", png_bytes())
    assert client.post("/settings/branding/logo/", {"logo": logo}).status_code == 302


def parts(message) -> tuple[str, str]:
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return message.body, html


@pytest.fixture
def branded(acme_owner_client, globex_owner_client, acme, globex):
    brand(acme_owner_client, "#0a7f3f")
    brand(globex_owner_client, "#b91c1c")
    return Organization.objects.get(pk=acme.pk), Organization.objects.get(pk=globex.pk)


def assert_acmes_branding_only(html: str, acme: Organization, globex: Organization) -> None:
    logo = "http://acme.localhost/branding/logo/" + acme.brand_logo.rsplit("/", 1)[1]
    assert f'<img src="{logo}"' in html
    assert "#0a7f3f" in html and "Acme Corp" in html
    assert "#b91c1c" not in html and "Globex" not in html
    assert globex.brand_logo.rsplit("/", 1)[1] not in html


def test_an_invitation_has_both_parts_in_acmes_branding(
    acme_owner_client, branded, django_capture_on_commit_callbacks
):
    acme, globex = branded
    with django_capture_on_commit_callbacks(execute=True):
        acme_owner_client.post("/members/invite/", {"email": "new@example.com"})
    (message,) = mail.outbox
    text, html = parts(message)
    link = re.search(r"http://acme\.localhost/invitations/\S+/", text).group(0)
    assert "<" not in text  # the text part is text
    assert f'href="{link}"' in html  # the button
    assert "color:#ffffff" in html  # white reads on #0a7f3f
    assert_acmes_branding_only(html, acme, globex)


def test_allauths_emails_get_a_branded_html_part(acme_owner_client, branded):
    acme, globex = branded
    acme_owner_client.post("/accounts/email/", {"email": "second@acme.test", "action_add": ""})
    (message,) = mail.outbox
    text, html = parts(message)
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", text).group(0)
    assert f'<a href="{link}"' in html  # the text's link, clickable
    assert message.subject.startswith("[Acme Corp]")
    assert_acmes_branding_only(html, acme, globex)


def test_an_unbranded_organizations_email_uses_the_default_accent_and_no_logo(
    globex_owner_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        globex_owner_client.post("/members/invite/", {"email": "new@example.com"})
    _text, html = parts(mail.outbox[0])
    assert "#4f46e5" in html and "<img" not in html and "Acme" not in html


def test_text_is_escaped_in_the_html_part(acme, in_schema):
    with in_schema(acme):
        message = branded_email(
            organization=acme, subject="s", text="<script>x</script> https://e.test/a", to=["a@b.c"]
        )
    _text, html = parts(message)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="https://e.test/a"' in html


def test_the_overdue_digest_is_branded_too(acme, branded, in_schema, member_of):
    acme, globex = branded
    member, _client = member_of(acme)
    with in_schema(acme):
        project = Project.objects.create(name="Launch")
        Task.objects.create(
            project=project, title="Ship", assignee=member, due_date=date(2026, 1, 1)
        )
        assert overdue_digest_send(today=date(2026, 1, 2)) == 1
    text, html = parts(mail.outbox[0])
    assert "Ship" in text and "Ship" in html
    assert_acmes_branding_only(html, acme, globex)
