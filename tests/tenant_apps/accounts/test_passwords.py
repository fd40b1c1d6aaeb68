"""Password rules on every path that sets one, and a sign-up that costs the same whether
or not the address already has an account."""

import re
from io import StringIO

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from shared_apps.tenants.audit import Actor
from shared_apps.tenants.lifecycle.services import organization_update_policy
from shared_apps.tenants.models import Organization
from tenant_apps.accounts.models import User
from tests.support.accounts import PASSWORD, owner_email

pytestmark = pytest.mark.django_db

TOO_SHORT = "This password is too short. It must contain at least 10 characters."
GOOD = "a long enough passphrase"


def _page(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def test_invitation_refuses_a_one_letter_password(
    acme_owner_client, client_for, acme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        acme_owner_client.post("/members/invite/", {"email": "new@example.com", "role": "member"})
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    response = client_for(acme).post(
        link.removeprefix("http://acme.localhost"), {"password1": "a", "password2": "a"}
    )
    assert response.status_code == 200
    assert TOO_SHORT in _page(response)
    with schema_context(acme.schema_name):
        assert not User.objects.filter(email="new@example.com").exists()


def test_open_sign_up_refuses_a_common_password(acme_client, acme):
    organization_update_policy(
        organization=acme, require_mfa=False, open_signup=True, actor=Actor(label="test")
    )
    response = acme_client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": "password123", "password2": "password123"},
    )
    assert response.status_code == 200
    assert "This password is too common." in _page(response)


def test_password_change_refuses_a_one_letter_password(owner_of, acme):
    _, client = owner_of(acme)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a", "password2": "a"},
    )
    assert response.status_code == 200
    assert TOO_SHORT in _page(response)


def test_command_line_owner_password_is_checked_and_nothing_is_left_behind():
    with pytest.raises(CommandError, match="too short"):
        call_command(
            "organization", "create", "initech", "--name", "Initech",
            "--owner-email", "peter@initech.test", "--owner-password", "a", stdout=StringIO(),
        )  # fmt: skip
    assert not Organization.objects.filter(slug="initech").exists()


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """Every password hash computed (the test settings' MD5 hasher, still run for real)."""
    computed: list[str] = []
    encode = MD5PasswordHasher.encode

    def counting(self, password, salt):
        computed.append(password)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)
    return computed


def test_sign_up_does_the_same_work_for_a_new_and_an_existing_address(acme_client, acme, hashes):
    organization_update_policy(
        organization=acme, require_mfa=False, open_signup=True, actor=Actor(label="test")
    )

    def sign_up(email: str) -> tuple[int, str, int, int]:
        hashes.clear()
        sent = len(mail.outbox)
        response = acme_client.post(
            "/accounts/signup/", {"email": email, "password1": GOOD, "password2": GOOD}
        )
        return response.status_code, response["Location"], len(hashes), len(mail.outbox) - sent

    existing = sign_up(owner_email("acme"))
    new = sign_up("newcomer@example.com")
    assert existing == new == (302, "/accounts/confirm-email/", 1, 1)


def test_password_reset_refuses_a_one_letter_password(acme_client, acme):
    acme_client.post("/accounts/password/reset/", {"email": owner_email("acme")})
    link = re.search(
        r"http://acme\.localhost(/accounts/password/reset/key/\S+)", mail.outbox[-1].body
    )
    form_page = acme_client.get(link.group(1), follow=True)  # allauth moves the key to the session
    response = acme_client.post(
        form_page.request["PATH_INFO"], {"password1": "a", "password2": "a"}
    )
    assert response.status_code == 200
    assert TOO_SHORT in _page(response)
