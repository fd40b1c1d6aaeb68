"""Sockets pass the gates pages pass: required two-factor, the organization's status (an
open socket closes on suspension), and the end of a support (impersonation) session."""

from datetime import timedelta
from importlib import import_module

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.utils import timezone

from shared_apps.tenants.models import Organization
from shared_apps.tenants.websocket import (
    CLOSE_ORGANIZATION_UNAVAILABLE,
    CLOSE_SIGN_IN_REQUIRED,
    CLOSE_TWO_FACTOR_REQUIRED,
)
from tenant_apps.accounts.impersonation import SESSION_KEY as IMPERSONATION_KEY
from tests.conftest import owner_email
from tests.tenant_apps.notifications.test_consumer import TIMEOUT, run, socket

pytestmark = pytest.mark.django_db


def committed_session(committed, organization, email: str, **extra) -> str:
    """A committed session signed in as `email`, holding `extra` keys too."""

    def create() -> str:
        user = get_user_model().objects.get(email=email)
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.update(extra)
        store.create()
        return store.session_key

    key = committed(organization, create)
    engine = import_module(settings.SESSION_ENGINE)
    committed.cleanup(organization, lambda: engine.SessionStore(session_key=key).delete())
    return key


def set_organization(committed, organization, **fields) -> None:
    def update() -> None:
        row = Organization.objects.get(pk=organization.pk)
        for name, value in fields.items():
            setattr(row, name, value)
        row.save(update_fields=list(fields))

    committed(organization, update)


def connect_once(host: str, session: str) -> tuple[bool, object]:
    async def scenario():
        communicator = socket(host, session)
        outcome = await communicator.connect(timeout=TIMEOUT)
        await communicator.disconnect()
        return outcome

    return run(scenario)


@pytest.fixture
def acme_requires_mfa(acme, committed):
    set_organization(committed, acme, require_mfa=True)
    committed.cleanup(
        acme, lambda: Organization.objects.filter(pk=acme.pk).update(require_mfa=False)
    )
    yield


def test_a_member_without_two_factor_is_refused_where_it_is_required(
    acme, committed, acme_requires_mfa
):
    session = committed_session(committed, acme, owner_email("acme"))
    assert connect_once("acme.localhost", session) == (False, CLOSE_TWO_FACTOR_REQUIRED)


def test_a_member_with_two_factor_connects_where_it_is_required(acme, committed, acme_requires_mfa):
    from allauth.mfa.models import Authenticator

    def add_totp() -> None:
        owner = get_user_model().objects.get(email=owner_email("acme"))
        Authenticator.objects.create(user=owner, type=Authenticator.Type.TOTP, data={"secret": "x"})

    committed(acme, add_totp)
    committed.cleanup(acme, lambda: Authenticator.objects.all().delete())
    session = committed_session(committed, acme, owner_email("acme"))
    assert connect_once("acme.localhost", session) == (True, None)


def test_an_open_socket_is_closed_when_its_organization_is_suspended(acme, globex, committed):
    from shared_apps.tenants.services import organization_reactivate, organization_suspend

    acme_session = committed_session(committed, acme, owner_email("acme"))
    globex_session = committed_session(committed, globex, owner_email("globex"))
    committed.cleanup(
        acme, lambda: organization_reactivate(organization=Organization.objects.get(pk=acme.pk))
    )

    def suspend() -> None:  # the real service, committed: what the console's button does
        committed(
            acme, lambda: organization_suspend(organization=Organization.objects.get(pk=acme.pk))
        )

    async def scenario():
        at_acme, at_globex = (
            socket("acme.localhost", acme_session),
            socket("globex.localhost", globex_session),
        )
        assert (await at_acme.connect(timeout=TIMEOUT))[0]
        assert (await at_globex.connect(timeout=TIMEOUT))[0]
        await at_acme.receive_from(timeout=TIMEOUT)  # the bell
        await at_globex.receive_from(timeout=TIMEOUT)
        await database_sync_to_async(suspend, thread_sensitive=False)()
        closed = await at_acme.receive_output(timeout=TIMEOUT)
        globex_still_open = await at_globex.receive_nothing(timeout=0.5)
        await at_acme.disconnect()
        await at_globex.disconnect()
        return closed, globex_still_open

    closed, globex_still_open = run(scenario)
    assert closed == {"type": "websocket.close", "code": CLOSE_ORGANIZATION_UNAVAILABLE}
    assert globex_still_open


def impersonation(ends_in: timedelta) -> dict:
    ends_at = timezone.now() + ends_in
    return {
        IMPERSONATION_KEY: {
            "staff": "ops@platform.test",
            "member": owner_email("acme"),
            "ends_at": ends_at.isoformat(),
        }
    }


def test_an_ended_support_session_cannot_open_a_socket(acme, committed):
    session = committed_session(
        committed, acme, owner_email("acme"), **impersonation(timedelta(seconds=-1))
    )
    assert connect_once("acme.localhost", session) == (False, CLOSE_SIGN_IN_REQUIRED)


def test_a_support_sessions_socket_closes_when_the_session_ends(acme, committed):
    session = committed_session(
        committed, acme, owner_email("acme"), **impersonation(timedelta(seconds=1.5))
    )

    async def scenario():
        communicator = socket("acme.localhost", session)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await communicator.receive_from(timeout=TIMEOUT)  # the bell
        still_open = await communicator.receive_nothing(timeout=0.5)
        closed = await communicator.receive_output(timeout=TIMEOUT)
        await communicator.disconnect()
        return still_open, closed

    still_open, closed = run(scenario)
    assert still_open
    assert closed == {"type": "websocket.close", "code": CLOSE_SIGN_IN_REQUIRED}
