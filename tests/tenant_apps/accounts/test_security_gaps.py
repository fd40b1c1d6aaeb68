"""Removing one's authenticator drops the session's two-factor pass, and the links in
emails point at the organization's canonical address (ending a support session where
two-factor is required: tests/shared_apps/platform/test_console.py)."""

import re

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from shared_apps.tenants.audit import Actor
from shared_apps.tenants.lifecycle.services import organization_update_policy
from tenant_apps.accounts.services import member_create
from tests.support.accounts import PASSWORD
from tests.tenant_apps.accounts.test_mfa import current_code, sign_in

pytestmark = pytest.mark.django_db


def test_removing_ones_authenticator_drops_the_sessions_two_factor_pass(client_for, acme):
    organization_update_policy(
        organization=acme, require_mfa=True, open_signup=False, actor=Actor(label="test")
    )
    with schema_context(acme.schema_name):
        member_create(email="careful@acme.test", password=PASSWORD)
    client = client_for(acme)
    sign_in(client, "careful@acme.test")
    assert client.get("/")["Location"] == "/accounts/2fa/totp/activate/"
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    secret = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert client.get("/").status_code == 200  # the pass is now in the session

    assert client.post("/accounts/2fa/totp/deactivate/").status_code == 302
    assert client.get("/")["Location"] == "/accounts/2fa/totp/activate/"


def link_in(body: str) -> str:
    match = re.search(r"(https?://\S+/accounts/\S+)", body)
    assert match, body
    return match.group(1)


@pytest.mark.parametrize(
    ("scheme", "port", "origin"),
    [("http", "", "http://acme.localhost/"), ("https", "8443", "https://acme.localhost:8443/")],
)
def test_reset_link_uses_the_configured_address_not_the_requests_port(
    client_for, acme, settings, scheme, port, origin
):
    settings.PUBLIC_URL_SCHEME, settings.PUBLIC_URL_PORT = scheme, port
    client = client_for(acme)
    client.post(
        "/accounts/password/reset/", {"email": "owner@acme.test"}, HTTP_HOST="acme.localhost:6666"
    )
    (message,) = mail.outbox
    assert link_in(message.body).startswith(f"{origin}accounts/password/reset/key/")
    assert ":6666" not in message.body


def test_confirmation_link_uses_the_organizations_primary_domain(acme_owner_client, acme, settings):
    from shared_apps.tenants.audit import Actor
    from shared_apps.tenants.lifecycle.domains import domain_add, domain_set_primary, domain_verify

    actor = Actor(label="ops@platform.test")
    domain = domain_verify(
        domain=domain_add(organization=acme, domain="work.acme-corp.test", actor=actor),
        actor=actor,
    )
    domain_set_primary(domain=domain, actor=actor)
    acme_owner_client.post(
        "/accounts/email/",
        {"email": "second@acme.test", "action_add": ""},
        HTTP_HOST="acme.localhost:6666",
    )
    (message,) = mail.outbox
    assert link_in(message.body).startswith("http://work.acme-corp.test/accounts/confirm-email/")
    assert "acme.localhost" not in message.body
