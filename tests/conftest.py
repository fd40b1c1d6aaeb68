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

from shared_apps.tenants import services
from shared_apps.tenants.hosts import PlatformAllowedHosts
from shared_apps.tenants.models import Organization
from shared_apps.tenants.resolver import clear_local_routing_cache, start_invalidation_listener

MEMBER_PASSWORD = "correct horse battery staple"
TEST_ORGANIZATIONS = {"acme": "Acme Corp", "globex": "Globex"}


def member_email(slug: str) -> str:
    return f"member@{slug}.test"


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

            def add_member(_organization: Organization, slug: str = slug) -> None:
                get_user_model().objects.create_user(member_email(slug), MEMBER_PASSWORD)

            services.organization_create(name=name, slug=slug, seed=add_member)


@pytest.fixture(autouse=True)
def _clean_slate_after_test() -> Iterator[None]:
    yield
    connection.set_schema_to_public()
    # The test's transaction is rolled back, which no on_commit hook sees: forget what the
    # routing cache learnt from rows that no longer exist.
    clear_local_routing_cache()


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
    return client_for(acme)


@pytest.fixture
def globex_client(client_for, globex: Organization) -> Client:
    return client_for(globex)


@pytest.fixture
def public_client(client_for, db: None) -> Client:
    return client_for(None)


@pytest.fixture
def in_schema():
    """`with in_schema(org):` runs the block against that organization's schema."""
    return lambda organization: schema_context(organization.schema_name)
