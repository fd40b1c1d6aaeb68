"""Two-factor authentication (allauth.mfa) per organization, and the require-MFA policy."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django_tenants.utils import schema_context

from shared_apps.tenants.audit import Actor
from shared_apps.tenants.lifecycle.services import organization_update_policy
from tenant_apps.accounts.services import member_create
from tests.support.accounts import PASSWORD

pytestmark = pytest.mark.django_db


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


def sign_in(client, email):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD})


def test_member_enrols_totp_then_needs_a_second_factor_to_sign_in(client_for, acme):
    with schema_context(acme.schema_name):
        user = member_create(email="careful@acme.test", password=PASSWORD)
    client = client_for(acme)
    assert sign_in(client, "careful@acme.test").status_code == 302

    # allauth asks for the password again before a security change.
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith(
        "/accounts/reauthenticate/"
    )
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert response.status_code == 302
    with schema_context(acme.schema_name):
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        recovery = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
        recovery_code = RecoveryCodes(recovery).get_unused_codes()[0]

    client.post("/accounts/logout/")
    response = sign_in(client, "careful@acme.test")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/").status_code == 302  # password alone is not enough

    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    response = client.post("/accounts/2fa/authenticate/", {"code": recovery_code})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_mfa_devices_are_per_organization(client_for, acme, globex):
    with schema_context(acme.schema_name):
        acme_user = member_create(email="both@example.com", password=PASSWORD)
        Authenticator.objects.create(
            user=acme_user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
        )
    with schema_context(globex.schema_name):
        member_create(email="both@example.com", password=PASSWORD)

    assert (
        sign_in(client_for(acme), "both@example.com")["Location"] == "/accounts/2fa/authenticate/"
    )
    assert sign_in(client_for(globex), "both@example.com")["Location"] == "/"


def test_organization_can_require_mfa_for_every_member(member_of, acme):
    organization_update_policy(
        organization=acme, require_mfa=True, open_signup=False, actor=Actor(label="test")
    )
    _member, client = member_of(acme, "member")
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    assert client.get("/members/").status_code == 302  # every page, not just the home page
    assert client.get("/accounts/2fa/totp/activate/").status_code == 302  # to reauthenticate


def test_owner_turns_the_policy_on_from_settings(acme_owner_client, acme):
    response = acme_owner_client.post("/settings/sign-in/", {"require_mfa": "on"})
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.require_mfa is True
