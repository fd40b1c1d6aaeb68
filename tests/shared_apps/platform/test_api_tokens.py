"""Platform API tokens: a scope (read or read-write) and an expiry chosen at creation, the
same rules from the console page, the command and the API."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from shared_apps.platform.api_tokens import MAX_LIFETIME_DAYS, api_token_create
from shared_apps.tenants.audit import Actor
from shared_apps.tenants.models import AuditEvent, Organization, PlatformAPIToken
from tests.support.clock import stop_the_clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_token(db):
    return api_token_create(name="reporting", scope="read", actor=Actor(label="ops"))


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "organizations/"), ("patch", "organizations/acme/"),
     ("delete", "organizations/acme/"), ("post", "organizations/acme/suspend/"),
     ("post", "organizations/acme/export/"), ("post", "organizations/acme/owner-invitation/")],
)  # fmt: skip
def test_a_read_token_reads_but_is_403_on_every_write(api, read_token, acme, method, path):
    _record, raw = read_token
    assert api("get", "organizations/acme/", auth=raw).status_code == 200
    body = {"name": "Changed", "slug": "changed", "owner_email": "a@b.test", "plan": "team"}
    response = api(method, path, body, auth=raw)
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": "This platform API token is read-only.",
        "fields": {},
    }
    acme.refresh_from_db()
    assert (acme.name, acme.status) == ("Acme Corp", "active")
    assert not Organization.objects.filter(slug="changed").exists()


def test_an_expired_token_is_401_and_its_last_use_is_recorded_while_live(api, token):
    record, _raw = token
    assert api("get", "organizations/").status_code == 200
    record.refresh_from_db()
    assert record.last_used_at is not None
    PlatformAPIToken.objects.filter(pk=record.pk).update(expires_at=timezone.now())
    response = api("get", "organizations/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="platform"'
    assert response.json()["error"]["code"] == "authentication_failed"


def test_scope_and_lifetime_are_validated_and_nothing_is_made(db):
    with pytest.raises(ValidationError) as refused:
        api_token_create(name="x", scope="admin", lifetime_days=0, actor=Actor(label="ops"))
    assert set(refused.value.message_dict) == {"scope", "lifetime_days"}
    with pytest.raises(ValidationError):
        api_token_create(name="x", lifetime_days=MAX_LIFETIME_DAYS + 1, actor=Actor(label="ops"))
    assert not PlatformAPIToken.objects.exists()


def test_console_page_creates_with_scope_and_expiry_shown_once(staff_client, monkeypatch):
    now = stop_the_clock(monkeypatch)
    page = staff_client.post(
        "/platform/api-tokens/", {"name": "billing", "scope": "read-write", "lifetime_days": 30}
    ).content.decode()
    token = PlatformAPIToken.objects.get(name="billing")
    assert token.scope == "read-write"
    assert token.created_at == now
    assert token.expires_at == token.created_at + datetime.timedelta(days=30)
    raw = page.split('<code id="new-token">')[1].split("</code>")[0]
    assert raw.startswith("tnt_") and raw not in token.token_digest
    again = staff_client.get("/platform/api-tokens/").content.decode()
    assert raw not in again and "Read and write" in again
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.detail["scope"] == "read-write"


def test_console_page_refuses_a_lifetime_over_the_maximum(staff_client):
    page = staff_client.post(
        "/platform/api-tokens/", {"name": "billing", "scope": "read", "lifetime_days": 400}
    ).content.decode()
    assert f"less than or equal to {MAX_LIFETIME_DAYS}" in page
    assert not PlatformAPIToken.objects.exists()


def test_command_takes_scope_and_days_and_lists_them(capsys, monkeypatch):
    now = stop_the_clock(monkeypatch)
    call_command(
        "platform_api_token", "create", "signup-form", "--scope", "read-write", "--days", "7"
    )
    raw = capsys.readouterr().out.strip()
    token = PlatformAPIToken.objects.get(name="signup-form")
    assert raw.startswith("tnt_") and token.scope == "read-write"
    assert token.created_at == now
    assert token.expires_at == token.created_at + datetime.timedelta(days=7)
    out = io.StringIO()
    call_command("platform_api_token", "list", stdout=out)
    assert "read-write" in out.getvalue() and "expires" in out.getvalue()
