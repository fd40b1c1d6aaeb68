"""The notifications page kept live by its socket: opened from the page (?list=1), the
socket sends the member's list after each bell, with working form tokens, and never
another organization's notifications."""

import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.middleware.csrf import CSRF_TOKEN_LENGTH, _unmask_cipher_token

from config.asgi import application
from tenant_apps.notifications.services import notify_organization, notify_user
from tests.support.accounts import owner_email
from tests.tenant_apps.notifications.test_consumer import TIMEOUT, bell_of, run

pytestmark = pytest.mark.django_db
SECRET = "a" * 16 + "B" * 16  # a CSRF cookie as Django sets it (32 alphanumerics)


def page_socket(host: str, session_key: str, path: str = "/ws/notifications/?list=1"):
    headers = [
        (b"host", host.encode()),
        (b"origin", f"http://{host}".encode()),
        (b"cookie", f"sessionid={session_key}; csrftoken={SECRET}".encode()),
    ]
    return WebsocketCommunicator(application, path, headers=headers)


def list_of(html: str) -> tuple[int, list[str]]:
    """(unread count, titles) from the pushed list fragment."""
    assert 'id="notification-list" hx-swap-oob="true"' in html
    unread = int(re.search(r"(\d+) unread", html).group(1))
    return unread, re.findall(r"<strong>([^<]*)</strong>", html)


def committed_async(committed, organization, function):
    return database_sync_to_async(committed, thread_sensitive=False)(organization, function)


def owner(organization):
    return lambda: get_user_model().objects.get(email=owner_email(organization.slug))


def test_the_page_gets_each_new_notification_with_the_bells_count(acme, committed):
    committed.notifications_for(acme, owner_email("acme"), "Earlier")
    session = committed.session_for(acme, owner_email("acme"))
    at_acme = page_socket("acme.localhost", session)

    async def scenario():
        assert (await at_acme.connect(timeout=TIMEOUT))[0]
        on_connect = [await at_acme.receive_from(timeout=TIMEOUT) for _ in range(2)]

        def notify():
            return notify_user(recipient=owner(acme)(), title="Report ready")

        await committed_async(committed, acme, notify)
        pushed = [await at_acme.receive_from(timeout=TIMEOUT) for _ in range(2)]
        await at_acme.disconnect()
        return on_connect, pushed

    (bell, page), (pushed_bell, pushed_page) = run(scenario)
    assert bell_of(bell) == (1, "Earlier") and list_of(page) == (1, ["Earlier"])
    assert bell_of(pushed_bell) == (2, "Report ready")
    assert list_of(pushed_page) == (2, ["Report ready", "Earlier"])
    # Its forms carry a token Django accepts: masked from the page's CSRF cookie.
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', pushed_page)
    assert tokens and all(len(t) == CSRF_TOKEN_LENGTH for t in tokens)
    assert {_unmask_cipher_token(t) for t in tokens} == {SECRET}


def test_a_read_elsewhere_updates_the_open_page(acme, committed):
    committed.notifications_for(acme, owner_email("acme"), "One", "Two")
    session = committed.session_for(acme, owner_email("acme"))
    at_acme = page_socket("acme.localhost", session)

    async def scenario():
        from tenant_apps.notifications.services import notifications_mark_all_read

        assert (await at_acme.connect(timeout=TIMEOUT))[0]
        [await at_acme.receive_from(timeout=TIMEOUT) for _ in range(2)]
        await committed_async(
            committed, acme, lambda: notifications_mark_all_read(recipient=owner(acme)())
        )
        pushed = [await at_acme.receive_from(timeout=TIMEOUT) for _ in range(2)]
        await at_acme.disconnect()
        return pushed

    bell, page = run(scenario)
    assert bell_of(bell)[0] == 0
    assert list_of(page) == (0, ["Two", "One"])
    assert "Mark read" not in page


def test_acmes_announcement_never_reaches_globexs_page(acme, globex, committed):
    committed.remove_notifications_after_test(acme)
    committed.notifications_for(globex, owner_email("globex"), "Globex own")
    at_acme = page_socket("acme.localhost", committed.session_for(acme, owner_email("acme")))
    at_globex = page_socket(
        "globex.localhost", committed.session_for(globex, owner_email("globex"))
    )

    async def scenario():
        for communicator in (at_acme, at_globex):
            assert (await communicator.connect(timeout=TIMEOUT))[0]
            [await communicator.receive_from(timeout=TIMEOUT) for _ in range(2)]
        await committed_async(committed, acme, lambda: notify_organization(title="Acme only"))
        acme_page = [await at_acme.receive_from(timeout=TIMEOUT) for _ in range(2)][1]
        globex_heard_nothing = await at_globex.receive_nothing(timeout=0.5)
        for communicator in (at_acme, at_globex):
            await communicator.disconnect()
        return acme_page, globex_heard_nothing

    acme_page, globex_heard_nothing = run(scenario)
    assert list_of(acme_page) == (1, ["Acme only"])
    assert globex_heard_nothing


def test_a_socket_not_opened_from_the_page_or_without_its_cookie_sends_the_bell_only(
    acme, committed
):
    session = committed.session_for(acme, owner_email("acme"))
    sockets = [
        page_socket("acme.localhost", session, path="/ws/notifications/"),
        WebsocketCommunicator(application, "/ws/notifications/?list=1", headers=[
            (b"host", b"acme.localhost"), (b"origin", b"http://acme.localhost"),
            (b"cookie", f"sessionid={session}; csrftoken=short".encode()),
        ]),
    ]  # fmt: skip

    async def scenario():
        heard = []
        for communicator in sockets:
            assert (await communicator.connect(timeout=TIMEOUT))[0]
            bell_of(await communicator.receive_from(timeout=TIMEOUT))
            heard.append(await communicator.receive_nothing(timeout=0.3))
            await communicator.disconnect()
        return heard

    assert run(scenario) == [True, True]
