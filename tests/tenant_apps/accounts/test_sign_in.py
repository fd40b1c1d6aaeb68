"""Signing in per organization: accounts, sessions, password reset, rate limits, staff."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django_tenants.utils import schema_context

from tenant_apps.accounts.services import member_create
from tests.support.accounts import PASSWORD, owner_email

pytestmark = pytest.mark.django_db


def sign_in(client, email: str, password: str, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def test_member_signs_in_at_their_organization(acme_client):
    response = sign_in(acme_client, owner_email("acme"), PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert acme_client.get("/").status_code == 200


def test_wrong_password_is_refused_with_a_message(acme_client):
    response = sign_in(acme_client, owner_email("acme"), "not the password")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert acme_client.get("/").status_code == 302


def test_same_email_holds_separate_accounts_with_different_passwords(client_for, acme, globex):
    with schema_context(acme.schema_name):
        member_create(email="pat@example.com", password="acme-secret-123")
    with schema_context(globex.schema_name):
        member_create(email="pat@example.com", password="globex-secret-456")

    assert sign_in(client_for(acme), "pat@example.com", "globex-secret-456").status_code == 200
    assert sign_in(client_for(globex), "pat@example.com", "acme-secret-123").status_code == 200
    assert sign_in(client_for(acme), "pat@example.com", "acme-secret-123").status_code == 302
    assert sign_in(client_for(globex), "pat@example.com", "globex-secret-456").status_code == 302


def test_session_from_acme_is_refused_at_globex(acme_client, globex_client):
    assert sign_in(acme_client, owner_email("acme"), PASSWORD).status_code == 302
    stolen = acme_client.cookies["sessionid"].value

    globex_client.cookies["sessionid"] = stolen
    response = globex_client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert globex_client.get("/members/").status_code == 302
    # Still valid where it was made.
    assert acme_client.get("/").status_code == 200


def test_password_reset_link_points_at_the_organizations_host(acme_client):
    response = acme_client.post("/accounts/password/reset/", {"email": owner_email("acme")})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject.startswith("[Acme Corp]")
    links = re.findall(r"https?://\S+", message.body)
    assert links and all(link.startswith("http://acme.localhost/") for link in links), links

    path = links[0].removeprefix("http://acme.localhost")
    form_page = acme_client.get(path, follow=True)
    assert form_page.status_code == 200
    changed = acme_client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": "a brand new passphrase", "password2": "a brand new passphrase"},
    )
    assert changed.status_code == 302
    assert sign_in(acme_client, owner_email("acme"), "a brand new passphrase").status_code == 302


def test_failed_sign_ins_are_rate_limited(client_for, acme):
    with schema_context(acme.schema_name):
        member_create(email="target@acme.test", password=PASSWORD)
    client = client_for(acme)
    for _ in range(5):
        assert (
            sign_in(client, "target@acme.test", "guess", REMOTE_ADDR="10.9.8.7").status_code == 200
        )
    blocked = sign_in(client, "target@acme.test", PASSWORD, REMOTE_ADDR="10.9.8.7")
    assert blocked.status_code in (200, 429)
    assert "Too many failed login attempts" in blocked.content.decode()
    assert client.get("/").status_code == 302


def test_deactivated_member_cannot_sign_in(client_for, acme):
    with schema_context(acme.schema_name):
        user = member_create(email="gone@acme.test", password=PASSWORD)
        user.is_active = False
        user.save(update_fields=["is_active"])
    response = sign_in(client_for(acme), "gone@acme.test", PASSWORD)
    assert response.status_code in (200, 302)
    assert client_for(acme).get("/").status_code == 302


def test_platform_staff_sign_in_on_the_public_host_only(public_client, client_for, acme):
    # As `manage.py createsuperuser` makes them: no verification email to click.
    with schema_context("public"):
        get_user_model().objects.create_superuser("ops@platform.test", PASSWORD)

    response = sign_in(public_client, "ops@platform.test", PASSWORD)
    assert (response.status_code, response["Location"]) == (302, "/platform/")
    # No such account in any organization's schema.
    assert sign_in(client_for(acme), "ops@platform.test", PASSWORD).status_code == 200
    with schema_context(acme.schema_name):
        assert not get_user_model().objects.filter(email="ops@platform.test").exists()


def test_organization_members_cannot_sign_in_on_the_public_host(public_client):
    response = sign_in(public_client, owner_email("acme"), PASSWORD)
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_non_staff_account_in_public_is_refused_with_the_staff_only_page(public_client):
    with schema_context("public"):
        from allauth.account.models import EmailAddress

        user = get_user_model().objects.create_user("someone@public.test", PASSWORD)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = sign_in(public_client, "someone@public.test", PASSWORD)
    assert response.status_code == 403
    assert "This sign-in is for platform staff" in response.content.decode()


def test_sign_up_is_closed_on_tenant_hosts_by_default(acme_client, public_client):
    assert "Sign Up Closed" in acme_client.get("/accounts/signup/").content.decode()
    assert "Sign Up Closed" in public_client.get("/accounts/signup/").content.decode()


def test_an_organization_can_open_sign_up(acme_client, acme):
    from shared_apps.tenants.audit import Actor
    from shared_apps.tenants.lifecycle.services import organization_update_policy

    organization_update_policy(
        organization=acme, require_mfa=False, open_signup=True, actor=Actor(label="test")
    )
    page = acme_client.get("/accounts/signup/")
    assert page.status_code == 200
    assert "Sign Up Closed" not in page.content.decode()
