"""Find my organization: one email for a known address, the same page for any address."""

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from config.celery import app as celery_app
from tenant_apps.accounts.services import member_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def ask(public_client, email: str, capture) -> str:
    with capture(execute=True):
        response = public_client.post("/find/", {"email": email})
    assert response.status_code == 200
    return response.content.decode()


def test_known_address_gets_one_email_listing_its_organizations(
    public_client, acme, globex, eager_tasks, django_capture_on_commit_callbacks
):
    with schema_context(globex.schema_name):
        member_create(email="owner@acme.test", password="x-long-password")
    page = ask(public_client, "Owner@Acme.test", django_capture_on_commit_callbacks)
    assert "Check your inbox" in page
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Acme Corp: http://acme.localhost/accounts/login/" in body
    assert "Globex: http://globex.localhost/accounts/login/" in body


def test_unknown_address_gets_the_same_page_and_no_email(
    public_client, eager_tasks, django_capture_on_commit_callbacks
):
    known = ask(public_client, "owner@acme.test", django_capture_on_commit_callbacks)
    mail.outbox.clear()
    unknown = ask(public_client, "nobody@nowhere.test", django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert unknown.replace("nobody@nowhere.test", "X") == known.replace("owner@acme.test", "X")


def test_suspended_organizations_are_not_listed(
    public_client, acme, eager_tasks, django_capture_on_commit_callbacks
):
    from shared_apps.tenants.lifecycle.services import organization_suspend

    organization_suspend(organization=acme)
    ask(public_client, "owner@acme.test", django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_invalid_address_is_a_form_error(public_client):
    response = public_client.post("/find/", {"email": "not-an-email"})
    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()
