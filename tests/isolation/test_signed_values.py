"""Everything the platform signs or tokenizes is valid only at the organization it was made
for (docs/security.md, "Signed and tokenized values").

Row ids restart at 1 in every schema and the secret key is the platform's, so each test
makes the row the value names exist with the same id at Acme and at Globex (same email,
same password hash where the value depends on them), mints the value at one, and uses
it at the other: refused, and nothing of the first organization on the page.
"""

import re
import urllib.request
from importlib import import_module

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.test import Client

from shared_apps.tenants.runtime import signing as schema_signing
from tests.support.accounts import PASSWORD, owner_email

pytestmark = pytest.mark.django_db
User = get_user_model()
COLLIDING_ID = 900_001


def twin_users(in_schema, acme, globex, *, email: str = "same@both.test") -> dict:
    """A user with the same id, email and password hash in both schemas: nothing but the
    schema tells them apart. Returns {organization slug: user}."""
    users = {}
    password_hash = None
    for organization in (globex, acme):
        with in_schema(organization):
            user = User(pk=COLLIDING_ID, email=email)
            if password_hash is None:
                user.set_password(PASSWORD)
                password_hash = user.password
            user.password = password_hash
            user.save()
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            users[organization.slug] = user
    return users


def link_path(body: str, host: str) -> str:
    match = re.search(rf"http://{re.escape(host)}(/\S+)", body)
    assert match, f"no link to {host} in:\n{body}"
    return match.group(1)


# --- allauth: email confirmation ---------------------------------------------------------


def test_email_confirmation_key_from_globex_confirms_nothing_at_acme(
    acme, globex, in_schema, client_for
):
    """The reported attack: Acme's row N holds an address its member doesn't own; a Globex
    key for Globex's row N (an address the same person does own) must not verify it."""
    with in_schema(acme):
        victim = User.objects.create_user("member@acme.test", PASSWORD)
        EmailAddress.objects.create(pk=COLLIDING_ID, user=victim, email="ceo@victim.test")
    with in_schema(globex):
        attacker = User.objects.create_user("attacker@globex.test", PASSWORD)
        EmailAddress.objects.create(pk=COLLIDING_ID, user=attacker, email="attacker@globex.test")
        key = EmailConfirmationHMAC(EmailAddress.objects.get(pk=COLLIDING_ID)).key

    at_acme = client_for(acme)
    page = at_acme.get(f"/accounts/confirm-email/{key}/").content.decode()
    assert "expired or is invalid" in page
    assert "ceo@victim.test" not in page and "member@acme.test" not in page
    at_acme.post(f"/accounts/confirm-email/{key}/")
    with in_schema(acme):
        assert not EmailAddress.objects.get(pk=COLLIDING_ID).verified

    # Where it was made, the same key works.
    at_globex = client_for(globex)
    assert (
        "attacker@globex.test" in at_globex.get(f"/accounts/confirm-email/{key}/").content.decode()
    )
    at_globex.post(f"/accounts/confirm-email/{key}/")
    with in_schema(globex):
        assert EmailAddress.objects.get(pk=COLLIDING_ID).verified


def test_the_confirmation_key_names_the_schema_in_its_salt(acme, globex, in_schema):
    with in_schema(acme):
        acme_key = EmailConfirmationHMAC(EmailAddress(pk=COLLIDING_ID)).key
    with in_schema(globex):
        globex_key = EmailConfirmationHMAC(EmailAddress(pk=COLLIDING_ID)).key
    assert acme_key.split(":")[0] == globex_key.split(":")[0]  # the same payload (the id)
    assert acme_key != globex_key


# --- allauth: password reset (uidb36 + token) ------------------------------------------------


def test_password_reset_link_from_globex_is_refused_at_acme(acme, globex, in_schema, client_for):
    twin_users(in_schema, acme, globex)
    client_for(globex).post("/accounts/password/reset/", {"email": "same@both.test"})
    (message,) = mail.outbox
    path = link_path(message.body, "globex.localhost")

    at_acme = client_for(acme)
    page = at_acme.get(path, follow=True)
    assert "Bad Token" in page.content.decode() or page.status_code == 404
    assert 'name="password1"' not in page.content.decode()
    at_acme.post(path, {"password1": "n3w-Passw0rd!x", "password2": "n3w-Passw0rd!x"}, follow=True)
    with in_schema(acme):
        assert User.objects.get(pk=COLLIDING_ID).check_password(PASSWORD)

    # At Globex the same link sets Globex's password.
    at_globex = client_for(globex)
    form = at_globex.get(path, follow=True)
    assert 'name="password1"' in form.content.decode()
    at_globex.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"password1": "n3w-Passw0rd!x", "password2": "n3w-Passw0rd!x"},
    )
    with in_schema(globex):
        assert User.objects.get(pk=COLLIDING_ID).check_password("n3w-Passw0rd!x")


def test_reset_tokens_of_twin_users_differ_by_schema(acme, globex, in_schema):
    from allauth.account.forms import default_token_generator

    users = twin_users(in_schema, acme, globex)
    with in_schema(globex):
        token = default_token_generator.make_token(users["globex"])
        assert default_token_generator.check_token(users["globex"], token)
    with in_schema(acme):
        assert not default_token_generator.check_token(users["acme"], token)


# --- allauth: codes (login, email verification, password reset by code) -----------------------


def test_code_flows_are_off_and_their_pages_do_not_exist(acme_client):
    """allauth keeps these codes in the session (per schema, host-only cookie); Tenantry
    turns them off, so no code is ever mailed. Turning one on: see docs/security.md."""
    from allauth.account import app_settings

    assert not app_settings.LOGIN_BY_CODE_ENABLED
    assert not app_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED
    assert not app_settings.PASSWORD_RESET_BY_CODE_ENABLED
    assert acme_client.get("/accounts/login/code/").status_code == 404
    # The confirm step (shared with two-factor sign-in) has no pending code to take.
    confirm = acme_client.get("/accounts/login/code/confirm/")
    assert confirm.status_code == 302 and confirm["Location"].startswith("/accounts/login/")


# --- invitations ---------------------------------------------------------------------------


def test_invitation_link_from_acme_is_refused_at_globex(
    acme, globex, in_schema, client_for, django_capture_on_commit_callbacks
):
    from tenant_apps.accounts.models import Invitation
    from tenant_apps.accounts.services import member_invite

    with in_schema(globex):
        member_invite(email="someone@example.test", role="member", invited_by=None)
        globex_invitation = Invitation.objects.get()
    with in_schema(acme), django_capture_on_commit_callbacks(execute=True):
        invitation = member_invite(email="new-hire@acme.test", role="admin", invited_by=None)
        Invitation.objects.filter(pk=invitation.pk).update(id=globex_invitation.pk)
    token = link_path(mail.outbox[-1].body, "acme.localhost").split("/")[2]

    page = client_for(globex).get(f"/invitations/{token}/")
    assert page.status_code == 404
    assert "new-hire@acme.test" not in page.content.decode()
    assert "Acme" not in page.content.decode()
    response = client_for(globex).post(
        f"/invitations/{token}/",
        {"full_name": "X", "password1": "n3w-Passw0rd!x", "password2": "n3w-Passw0rd!x"},
    )
    assert response.status_code == 404
    with in_schema(globex):
        assert not User.objects.filter(email="new-hire@acme.test").exists()
    assert "new-hire@acme.test" in client_for(acme).get(f"/invitations/{token}/").content.decode()


# --- impersonation tickets ------------------------------------------------------------------


def test_impersonation_ticket_for_acme_is_refused_at_globex(acme, globex, in_schema, client_for):
    from shared_apps.tenants.audit import Actor
    from shared_apps.tenants.lifecycle.impersonation_tickets import impersonation_ticket

    users = twin_users(in_schema, acme, globex, email="support-target@both.test")
    ticket = impersonation_ticket(
        organization=acme,
        user_id=users["acme"].pk,
        user_email=users["acme"].email,
        actor=Actor(label="ops@platform.test"),
    )
    at_globex = client_for(globex)
    page = at_globex.get(f"/impersonate/{ticket}/")
    assert page.status_code == 403
    assert "not valid for this organization" in page.content.decode()
    assert "_auth_user_id" not in at_globex.session
    assert at_globex.get("/").status_code == 302  # not signed in as Globex's user either


def test_impersonation_ticket_signature_is_bound_to_its_schema(acme):
    ticket = schema_signing.dumps({"schema": "org_globex"}, purpose="p", schema="org_acme")
    with pytest.raises(signing.BadSignature):
        schema_signing.loads(ticket, purpose="p", schema="org_globex", max_age=60)
    assert schema_signing.loads(ticket, purpose="p", schema="org_acme", max_age=60)


# --- sessions and CSRF ------------------------------------------------------------------------


def test_acme_session_is_refused_at_globex_even_for_a_twin_user(
    acme, globex, in_schema, client_for
):
    """Same user id, same password hash (so the same session auth hash), and a session
    row with the same key at Globex: the cookie still means nothing there."""
    users = twin_users(in_schema, acme, globex, email="twin@both.test")
    at_acme = client_for(acme)
    with in_schema(acme):
        at_acme.force_login(users["acme"])
    key = at_acme.cookies[settings.SESSION_COOKIE_NAME].value
    with in_schema(globex):  # a Globex session that happens to have the same key, signed out
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
        store["unrelated"] = "globex"
        store.save(must_create=True)

    at_globex = client_for(globex)
    at_globex.cookies[settings.SESSION_COOKIE_NAME] = key
    page = at_globex.get("/", follow=True)
    assert "Sign in to Globex" in page.content.decode()
    assert "twin@both.test" not in page.content.decode()
    assert at_acme.get("/").status_code == 200  # where it was made, it is valid


def test_session_and_csrf_cookies_are_host_only(acme_client, owner_of, acme):
    page = acme_client.get("/accounts/login/")
    assert page.cookies[settings.CSRF_COOKIE_NAME]["domain"] == ""
    response = acme_client.post(
        "/accounts/login/", {"login": owner_email("acme"), "password": PASSWORD}
    )
    assert response.cookies[settings.SESSION_COOKIE_NAME]["domain"] == ""


def test_a_post_from_a_globex_page_is_refused_at_acme_even_with_a_valid_csrf_pair(acme):
    client = Client(HTTP_HOST="acme.localhost", enforce_csrf_checks=True)
    client.get("/accounts/login/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    fields = {"login": owner_email("acme"), "password": PASSWORD, "csrfmiddlewaretoken": token}
    refused = client.post("/accounts/login/", fields, HTTP_ORIGIN="http://globex.localhost")
    assert refused.status_code == 403
    accepted = client.post("/accounts/login/", fields, HTTP_ORIGIN="http://acme.localhost")
    assert accepted.status_code == 302


# --- platform API tokens and exports (public schema, platform host only) ------------------------


def test_platform_api_token_is_refused_at_an_organizations_host(db, client_for, acme):
    from shared_apps.platform.api_tokens import api_token_create
    from shared_apps.tenants.audit import Actor

    _token, raw = api_token_create(name="billing", actor=Actor(label="ops@platform.test"))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client_for(None).get("/platform/api/v1/organizations/", **auth).status_code == 200
    at_acme = client_for(acme).get("/platform/api/v1/organizations/", **auth)
    assert at_acme.status_code == 404
    assert b"globex" not in at_acme.content


def test_export_download_exists_only_for_staff_on_the_platform_host(
    acme, owner_of, client_for, tmp_path, settings
):
    from shared_apps.tenants.audit import Actor
    from shared_apps.tenants.lifecycle.exports import export_request, export_run

    settings.EXPORTS_DIR = str(tmp_path)
    export = export_run(export=export_request(organization=acme, actor=Actor(label="ops")))
    _owner, owner_client = owner_of(acme)
    assert owner_client.get(f"/platform/exports/{export.pk}/download/").status_code == 404
    at_platform = client_for(None)
    at_platform.cookies[settings.SESSION_COOKIE_NAME] = owner_client.cookies[
        settings.SESSION_COOKIE_NAME
    ].value  # an Acme session, replayed on the platform host
    response = at_platform.get(f"/platform/exports/{export.pk}/download/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- file downloads: presigned S3 URLs -----------------------------------------------------------


def test_presigned_url_names_the_schema_and_cannot_be_moved_to_another(
    acme, globex, member_of, in_schema, settings, s3_storage_settings, s3_endpoint
):
    from django.core.files.base import ContentFile

    from tenant_apps.files.models import StoredFile

    settings.FILES_DOWNLOAD = "presigned"
    _alice, acme_member = member_of(acme)
    _bob, globex_member = member_of(globex)
    twins = {}
    for organization, content in ((acme, b"acme secret"), (globex, b"globex file")):
        with in_schema(organization):
            stored = StoredFile(name="same.txt", content_type="text/plain", size=len(content))
            if twins:
                stored.public_id = twins["acme"].public_id
            stored.file.save("same.txt", ContentFile(content), save=False)
            stored.save()
            twins[organization.slug] = stored
    assert twins["acme"].file.name == twins["globex"].file.name  # same row id, same name

    acme_url = acme_member.get(f"/files/{twins['acme'].public_id}/")["Location"]
    globex_url = globex_member.get(f"/files/{twins['globex'].public_id}/")["Location"]
    assert "/uploads/org_acme/" in acme_url and "/uploads/org_globex/" in globex_url
    with urllib.request.urlopen(globex_url, timeout=10) as fetched:
        assert fetched.read() == b"globex file"
    with urllib.request.urlopen(acme_url, timeout=10) as fetched:
        assert fetched.read() == b"acme secret"
    # SigV4 signs the path, so the schema prefix can't be swapped without a new signature
    # (moto does not check signatures; AWS and MinIO do: docs/security.md).
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in acme_url
    assert acme_url.split("X-Amz-Signature=")[1] != globex_url.split("X-Amz-Signature=")[1]
