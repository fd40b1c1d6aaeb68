"""Committed data for tests whose code runs on another connection.

A consumer's queries run on Channels' worker thread, with a connection of its own that
can't see the rows of the test's (rolled-back) transaction. `committed(org, fn)` runs `fn`
in a fresh thread, hence on a fresh connection in autocommit mode, in that organization's
schema; the rows it makes are really committed, and the cleanups it registers
(`committed.cleanup(org, fn)`) run after the test. Never touch the same rows from the
test's own transaction: the two connections would wait on each other's locks.
"""

import threading
from collections.abc import Callable, Iterator
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.db import connections
from django_tenants.utils import schema_context

from shared_apps.tenants.models import Organization


def run_in_fresh_thread(schema: str, function: Callable[[], Any]) -> Any:
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            with schema_context(schema):
                outcome["value"] = function()
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "committed work did not finish (a lock held by the test?)"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


class Committed:
    def __init__(self) -> None:
        self._cleanups: list[tuple[str, Callable[[], Any]]] = []

    def __call__(self, organization: Organization, function: Callable[[], Any]) -> Any:
        return run_in_fresh_thread(organization.schema_name, function)

    def cleanup(self, organization: Organization, function: Callable[[], Any]) -> None:
        self._cleanups.append((organization.schema_name, function))

    def run_cleanups(self) -> None:
        for schema, function in reversed(self._cleanups):
            run_in_fresh_thread(schema, function)

    def session_for(self, organization: Organization, email: str) -> str:
        """A committed session signed in as `email` at `organization`: its key."""

        def create() -> str:
            user = get_user_model().objects.get(email=email)
            store = import_module(settings.SESSION_ENGINE).SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            return store.session_key

        key = self(organization, create)
        engine = import_module(settings.SESSION_ENGINE)
        self.cleanup(organization, lambda: engine.SessionStore(session_key=key).delete())
        return key

    def notifications_for(self, organization: Organization, email: str, *titles: str) -> None:
        """Committed unread notifications for `email`, removed after the test."""
        from tenant_apps.notifications.models import Notification

        def create() -> list[int]:
            user = get_user_model().objects.get(email=email)
            return [Notification.objects.create(recipient=user, title=t).pk for t in titles]

        self(organization, create)
        self.remove_notifications_after_test(organization)

    def remove_notifications_after_test(self, organization: Organization) -> None:
        """Committed notifications (made here or by the code under test) go after the test."""
        from tenant_apps.notifications.models import Notification

        self.cleanup(organization, lambda: Notification.objects.all().delete())


@pytest.fixture
def committed(db: None) -> Iterator[Committed]:
    helper = Committed()
    yield helper
    helper.run_cleanups()


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> Iterator[None]:
    """A channel layer of its own for each test: channels-redis binds its receive lock to
    the event loop that first receives, and every scenario here runs a loop of its own."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
