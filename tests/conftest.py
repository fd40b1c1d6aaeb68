"""Fixtures used everywhere: two ready organizations made once per session, clients bound
to their hosts, and a connection left on the public schema after every test.

The organizations are created once per test database (per xdist worker), not per test:
each test runs inside a transaction that is rolled back, so whatever it writes in either
schema is gone for the next one.
"""

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from hypothesis import settings as hypothesis_settings

from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning import services as provisioning
from shared_apps.tenants.routing.hosts import PlatformAllowedHosts
from shared_apps.tenants.routing.resolver import (
    allow_bulk_fill_now,
    clear_local_routing_cache,
    start_invalidation_listener,
)
from tests.support.accounts import PASSWORD, TEST_ORGANIZATIONS, owner_email

# S3-compatible server fixtures (s3_endpoint, s3_bucket) for the storage tests.
pytest_plugins = ["tests.plugins.s3"]

# Property-based tests (hypothesis): "ci", the default, is derandomized (the same cases
# every run) and short; `--hypothesis-profile=thorough` runs 3000 per test, random.
hypothesis_settings.register_profile("ci", derandomize=True, max_examples=400, deadline=None)
hypothesis_settings.register_profile("thorough", max_examples=3000, deadline=None)
hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="session", autouse=True)
def _platform_allowed_hosts(django_test_environment: None) -> None:
    # Django's test set-up copies ALLOWED_HOSTS into a plain list (adding "testserver");
    # put back the class that admits the custom domain the middleware resolved.
    settings.ALLOWED_HOSTS = PlatformAllowedHosts(settings.ALLOWED_HOSTS)


@pytest.fixture(scope="session", autouse=True)
def _routing_invalidation_listener() -> None:
    # Its first subscription clears the cache; let that happen before any test warms it.
    assert start_invalidation_listener(), "could not subscribe to routing invalidations"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    with django_db_blocker.unblock():
        for slug, name in TEST_ORGANIZATIONS.items():
            provisioning.organization_create(
                name=name, slug=slug, owner_email=owner_email(slug), owner_password=PASSWORD
            )


def _clear_this_runs_cache_keys() -> None:
    """Delete the cache keys of this test worker only (keys are schema:prefix:version:key;
    other workers and a running dev server keep theirs)."""
    from django.core.cache import cache

    redis_client = cache.client.get_client(write=True)
    pattern = f"*:{settings.CACHES['default']['KEY_PREFIX']}:*"
    keys = list(redis_client.scan_iter(match=pattern, count=1000))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture(autouse=True)
def _clean_slate_after_test() -> Iterator[None]:
    _clear_this_runs_cache_keys()  # rate limits and cached values never leak between tests
    yield
    connection.set_schema_to_public()
    # The test's transaction is rolled back, which no on_commit hook sees: forget what the
    # routing cache learnt from rows that no longer exist; the next test's first miss
    # fills it in bulk, as a freshly started worker's does.
    clear_local_routing_cache()
    allow_bulk_fill_now()


@pytest.fixture
def acme(db: None) -> Organization:
    return Organization.objects.get(slug="acme")


@pytest.fixture
def globex(db: None) -> Organization:
    return Organization.objects.get(slug="globex")


def host_for(organization: Organization) -> str:
    return f"{organization.slug}.{settings.PLATFORM_DOMAIN}"


@pytest.fixture
def client_for():
    """client_for(org) → a test client whose requests go to that organization's host."""

    def make(organization: Organization | None) -> Client:
        host = host_for(organization) if organization else settings.PLATFORM_DOMAIN
        return Client(HTTP_HOST=host)

    return make


@pytest.fixture
def acme_client(client_for, acme: Organization) -> Client:
    """Anonymous, at acme's host."""
    return client_for(acme)


@pytest.fixture
def globex_client(client_for, globex: Organization) -> Client:
    return client_for(globex)


@pytest.fixture
def member_of(client_for):
    """member_of(org, role="member") → (user, client signed in as that new member)."""
    from tenant_apps.accounts.services import member_create

    def make(organization: Organization, role: str = "member", email: str = ""):
        with schema_context(organization.schema_name):
            user = member_create(
                email=email or f"{role}@{organization.slug}.test", password=PASSWORD, role=role
            )
            client = client_for(organization)
            client.force_login(user)
        return user, client

    return make


@pytest.fixture
def owner_of(client_for):
    """owner_of(org) → (the session-wide owner, a client signed in as them)."""

    def make(organization: Organization):
        with schema_context(organization.schema_name):
            user = get_user_model().objects.get(email=owner_email(organization.slug))
            client = client_for(organization)
            client.force_login(user)
        return user, client

    return make


@pytest.fixture
def acme_owner_client(owner_of, acme: Organization) -> Client:
    return owner_of(acme)[1]


@pytest.fixture
def globex_owner_client(owner_of, globex: Organization) -> Client:
    return owner_of(globex)[1]


@pytest.fixture
def public_client(client_for, db: None) -> Client:
    return client_for(None)


@pytest.fixture
def in_schema():
    """`with in_schema(org):` runs the block against that organization's schema."""
    return lambda organization: schema_context(organization.schema_name)


@pytest.fixture
def asgi_get():
    """asgi_get(host, path, session=None) → (status, body), served by config.asgi.application.

    The app is called directly from a coroutine run by async_to_sync on this thread, so
    its thread-sensitive ORM calls come back to this thread's connection, inside the
    test's transaction (channels' communicator would start it in a fresh context and a
    thread of its own). Django's handler would close that connection at request start (it
    looks obsolete mid-transaction), so that hook is lifted for the call, as Django's own
    test client does.
    """
    import asyncio

    from asgiref.sync import async_to_sync
    from django.core import signals
    from django.db import close_old_connections

    from config.asgi import application

    async def request(host: str, path: str, session: str | None) -> tuple[int, bytes]:
        headers = [(b"host", host.encode())]
        if session:
            headers.append((b"cookie", f"sessionid={session}".encode()))
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "headers": headers, "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }  # fmt: skip
        sent: list[dict] = []
        requested = False

        async def receive() -> dict:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # the client never disconnects
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        await application(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return start["status"], body

    def get(host: str, path: str, session: str | None = None) -> tuple[int, bytes]:
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            return async_to_sync(request)(host, path, session)
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)

    return get


@pytest.fixture
def channels_keep_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Consumers run their ORM calls on this thread's connection (async_to_sync sends them
    back here), inside the test's transaction. Channels closes connections it thinks are
    stale around each call, which mid-transaction would end the test's; not here."""
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)
