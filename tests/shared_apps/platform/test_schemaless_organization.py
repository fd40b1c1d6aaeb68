"""An organization is never active without its schema, and nothing ever runs in one whose
schema is missing (issue 17, item 2): each cause simulated, each surface tried."""

import logging
import socket

import pytest
from asgiref.sync import async_to_sync
from celery import states
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, schema_exists

from config.asgi import application
from shared_apps.tenants.models import Organization
from shared_apps.tenants.routing.websocket import CLOSE_ORGANIZATION_UNAVAILABLE
from shared_apps.tenants.runtime.task_base import forget_cached_organizations
from tenant_apps.accounts.models import Invitation
from tests.shared_apps.tenants.test_task_base import current_schema
from tests.support.accounts import PASSWORD

pytestmark = pytest.mark.django_db

STAFF_EMAIL = "ops@platform.test"  # the staff fixture's


@pytest.fixture
def closed_smtp_port(settings) -> int:
    """A real SMTP backend pointed at a local port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    return port


def test_an_unreachable_mail_server_leaves_the_organization_active_with_a_pending_owner(
    staff_client, eager_tasks, django_capture_on_commit_callbacks, closed_smtp_port, settings,
    caplog,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.ERROR):
        staff_client.post(
            "/platform/organizations/new/",
            {"name": "Hooli", "slug": "hooli", "owner_email": "gavin@hooli.test", "plan": "free"},
        )
    organization = Organization.objects.get(slug="hooli")
    assert organization.status == "active" and schema_exists("org_hooli")
    assert organization.pending_owner_email == "gavin@hooli.test"
    assert "Connection refused" in caplog.text or "ConnectionRefused" in caplog.text
    with schema_context("org_hooli"):
        assert Invitation.objects.get(email="gavin@hooli.test").state == "pending"
    page = staff_client.get("/platform/organizations/hooli/").content.decode()
    assert "Waiting for <strong>gavin@hooli.test</strong>" in page

    # Mail works again: the invitation is resent from the console.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post("/platform/organizations/hooli/owner/")
    assert [m.to for m in mail.outbox] == [["gavin@hooli.test"]]


def test_an_owner_email_with_a_line_break_is_refused_before_anything_is_made(staff_client):
    response = staff_client.post(
        "/platform/organizations/new/",
        {"name": "Evil", "slug": "evil-corp", "owner_email": "a@evil.test\r\nBcc: x@y.test"},
    )
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    assert not Organization.objects.filter(slug="evil-corp").exists()


def _drop_schema_behind_the_platforms_back(organization: Organization) -> None:
    """What an operator's stray DROP, or a half-failed restore, leaves: the row says
    active, the schema is gone (rolled back with the test's transaction)."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{organization.schema_name}" CASCADE')
    forget_cached_organizations()


def test_a_host_whose_schema_is_missing_is_refused_and_serves_nothing_of_public(
    staff, acme, client_for
):
    _drop_schema_behind_the_platforms_back(acme)
    client = client_for(acme)
    for path in ("/", "/accounts/login/", "/members/"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "Acme Corp is unavailable" in response.content.decode()
    sign_in = client.post("/accounts/login/", {"login": STAFF_EMAIL, "password": PASSWORD})
    assert sign_in.status_code == 503
    assert STAFF_EMAIL not in sign_in.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_routing_entry_filled_before_the_drop_fails_closed_in_the_database(
    staff, acme, client_for
):
    client = client_for(acme)
    assert client.get("/accounts/login/").status_code == 200  # the entry is cached now
    _drop_schema_behind_the_platforms_back(acme)
    quiet = Client(HTTP_HOST=client.defaults["HTTP_HOST"], raise_request_exception=False)
    response = quiet.post("/accounts/login/", {"login": STAFF_EMAIL, "password": PASSWORD})
    assert response.status_code == 500  # refused by the database, not read from public
    assert STAFF_EMAIL not in response.content.decode()
    assert "sessionid" not in response.cookies  # no sign-in happened


def test_a_socket_whose_schema_is_missing_is_refused(acme, channels_keep_test_connection):
    _drop_schema_behind_the_platforms_back(acme)

    async def connect() -> tuple[bool, object]:
        communicator = WebsocketCommunicator(
            application, "/ws/notifications/", headers=[(b"host", b"acme.localhost")]
        )
        try:
            return await communicator.connect(timeout=10)
        finally:
            await communicator.disconnect()

    assert async_to_sync(connect)() == (False, CLOSE_ORGANIZATION_UNAVAILABLE)


def test_a_task_whose_schema_is_missing_is_skipped_with_a_log_line(acme, caplog):
    _drop_schema_behind_the_platforms_back(acme)
    with caplog.at_level(logging.ERROR):
        result = current_schema.apply(headers={"_schema_name": "org_acme"})
    assert result.state == states.IGNORED
    assert "organization org_acme is active but its schema is missing" in caplog.text


def test_a_failure_after_provisioning_committed_never_drops_the_schema(monkeypatch):
    from shared_apps.tenants.provisioning import services as provisioning

    real = provisioning.organization_provision

    def then_fails(**kwargs):
        real(**kwargs)
        raise ConnectionRefusedError("anything after the commit")

    monkeypatch.setattr(provisioning, "organization_provision", then_fails)
    organization = provisioning.organization_register(name="Late", slug="late-failure")
    assert provisioning.organization_provision_attempt(organization=organization)
    organization.refresh_from_db()
    assert organization.status == "active" and schema_exists("org_late_failure")
