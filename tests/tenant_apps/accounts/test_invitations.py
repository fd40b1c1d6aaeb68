"""Invitations: the only way into an organization unless it opens sign-up."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import Invitation, User
from tenant_apps.accounts.services import member_invite

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long enough passphrase"


def invite(owner_client, email: str, role: str = "member", capture=None):
    with capture(execute=True):
        response = owner_client.post("/members/invite/", {"email": email, "role": role})
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == [email]
    return re.search(r"http://\S+/invitations/\S+/", message.body).group(0)


def test_invitation_lifecycle_from_email_to_signed_in_member(
    acme_owner_client, client_for, acme, django_capture_on_commit_callbacks
):
    link = invite(
        acme_owner_client, "newbie@example.com", capture=django_capture_on_commit_callbacks
    )
    assert link.startswith("http://acme.localhost/invitations/")
    assert "Acme Corp" in mail.outbox[-1].subject
    path = link.removeprefix("http://acme.localhost")

    invitee = client_for(acme)
    page = invitee.get(path)
    assert page.status_code == 200
    assert "newbie@example.com" in page.content.decode()

    response = invitee.post(
        path, {"full_name": "New Bie", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert invitee.get("/").status_code == 200  # signed in, inside
    with schema_context(acme.schema_name):
        user = User.objects.get(email="newbie@example.com")
        assert (user.role, user.full_name) == ("member", "New Bie")

    reused = client_for(acme).post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert reused.status_code == 404
    assert "already been used" in reused.content.decode()


def test_invitation_link_is_useless_at_another_organization(
    acme_owner_client, client_for, globex, django_capture_on_commit_callbacks
):
    link = invite(acme_owner_client, "x@example.com", capture=django_capture_on_commit_callbacks)
    path = link.removeprefix("http://acme.localhost")
    response = client_for(globex).get(path)
    assert response.status_code == 404
    assert "isn't valid here" in response.content.decode()


def test_expired_invitation_cannot_be_used(client_for, acme):
    with schema_context(acme.schema_name):
        member_invite(email="late@example.com", invited_by=None)
        Invitation.objects.filter(email="late@example.com").update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        token_path = _path_with_known_token("late@example.com")
    response = client_for(acme).get(token_path)
    assert response.status_code == 404
    assert "expired" in response.content.decode()


def test_revoked_invitation_cannot_be_used(
    acme_owner_client, client_for, acme, django_capture_on_commit_callbacks
):
    link = invite(acme_owner_client, "nope@example.com", capture=django_capture_on_commit_callbacks)
    with schema_context(acme.schema_name):
        invitation = Invitation.objects.get(email="nope@example.com")
    assert acme_owner_client.post(f"/invitations/{invitation.pk}/revoke/").status_code == 302
    response = client_for(acme).get(link.removeprefix("http://acme.localhost"))
    assert response.status_code == 404
    assert "withdrawn" in response.content.decode()


def test_resend_replaces_the_link(
    acme_owner_client, client_for, acme, django_capture_on_commit_callbacks
):
    old = invite(acme_owner_client, "again@example.com", capture=django_capture_on_commit_callbacks)
    with schema_context(acme.schema_name):
        invitation = Invitation.objects.get(email="again@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        assert acme_owner_client.post(f"/invitations/{invitation.pk}/resend/").status_code == 302
    new = re.search(r"http://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    assert new != old
    assert client_for(acme).get(old.removeprefix("http://acme.localhost")).status_code == 404
    assert client_for(acme).get(new.removeprefix("http://acme.localhost")).status_code == 200


def test_inviting_an_existing_member_is_a_clear_error(acme_owner_client):
    response = acme_owner_client.post(
        "/members/invite/", {"email": "owner@acme.test", "role": "member"}, follow=True
    )
    assert "already a member" in response.content.decode()


def test_mismatched_passwords_are_refused(
    acme_owner_client, client_for, acme, django_capture_on_commit_callbacks
):
    link = invite(acme_owner_client, "typo@example.com", capture=django_capture_on_commit_callbacks)
    response = client_for(acme).post(
        link.removeprefix("http://acme.localhost"),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
    )
    assert response.status_code == 200
    assert "The two passwords don&#x27;t match." in response.content.decode()
    with schema_context(acme.schema_name):
        assert not User.objects.filter(email="typo@example.com").exists()


def _path_with_known_token(email: str) -> str:
    """Issue a known token for `email`'s invitation (the emailed one is never stored)."""
    import secrets

    from tenant_apps.accounts.models import token_digest

    token = secrets.token_urlsafe(16)
    Invitation.objects.filter(email=email).update(token_digest=token_digest(token))
    return f"/invitations/{token}/"
