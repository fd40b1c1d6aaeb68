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
from shared_apps.tenants.routing.websocket import (
    CLOSE_ORGANIZATION_UNAVAILABLE,
    CLOSE_SIGN_IN_REQUIRED,
    CLOSE_TWO_FACTOR_REQUIRED,
)
from tenant_apps.accounts.impersonated_sessions import SESSION_KEY as IMPERSONATION_KEY
from tests.support.accounts import owner_email
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
    from shared_apps.tenants.lifecycle.services import organization_reactivate, organization_suspend

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


def test_ending_a_support_session_closes_its_sockets_and_not_the_members(acme, committed):
    from channels.layers import get_channel_layer

    from shared_apps.tenants.runtime.groups import session_group

    support = committed_session(
        committed, acme, owner_email("acme"), **impersonation(timedelta(minutes=10))
    )
    own = committed_session(committed, acme, owner_email("acme"))
    layer = get_channel_layer()

    async def scenario():
        support_socket, own_socket = (
            socket("acme.localhost", support),
            socket("acme.localhost", own),
        )
        assert (await support_socket.connect(timeout=TIMEOUT))[0]
        assert (await own_socket.connect(timeout=TIMEOUT))[0]
        await support_socket.receive_from(timeout=TIMEOUT)  # the bells
        await own_socket.receive_from(timeout=TIMEOUT)
        # What impersonation_end sends after its commit (see the view test below).
        await layer.group_send(session_group("org_acme", support), {"type": "member.signed_out"})
        closed = await support_socket.receive_output(timeout=TIMEOUT)
        own_still_open = await own_socket.receive_nothing(timeout=0.5)
        await support_socket.disconnect()
        await own_socket.disconnect()
        return closed, own_still_open

    closed, own_still_open = run(scenario)
    assert closed == {"type": "websocket.close", "code": CLOSE_SIGN_IN_REQUIRED}
    assert own_still_open


def test_end_support_session_signs_that_session_out_of_its_sockets(
    acme, client_for, django_capture_on_commit_callbacks
):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer
    from django_tenants.utils import schema_context

    from shared_apps.tenants.runtime.groups import session_group

    support = client_for(acme)
    with schema_context(acme.schema_name):  # the session lives in Acme's schema
        support.force_login(get_user_model().objects.get(email=owner_email("acme")))
        session = support.session
        session.update(impersonation(timedelta(minutes=10)))
        session.save()
    group = session_group("org_acme", session.session_key)
    layer = get_channel_layer()
    listener = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert support.post("/impersonate/end/").status_code == 302
        received = async_to_sync(layer.receive)(listener)
    finally:
        async_to_sync(layer.group_discard)(group, listener)
    assert received == {"type": "member.signed_out"}
