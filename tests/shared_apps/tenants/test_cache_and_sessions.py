"""The cache and sessions: prefixed by schema, and still serving pages with Redis down."""

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.test import override_settings

from shared_apps.localdev.embedded import EmbeddedServices
from shared_apps.tenants.runtime.sessions import SessionStore
from tests.support.accounts import owner_email

pytestmark = pytest.mark.django_db


def test_the_same_cache_key_holds_one_value_per_organization(in_schema, acme, globex):
    try:
        with in_schema(acme):
            cache.set("greeting", "hello from acme")
        with in_schema(globex):
            assert cache.get("greeting") is None
            cache.set("greeting", "hello from globex")
        assert cache.get("greeting") is None  # public
        with in_schema(acme):
            assert cache.get("greeting") == "hello from acme"
            assert cache.make_key("greeting").startswith("org_acme:")
        with in_schema(globex):
            assert cache.get("greeting") == "hello from globex"
    finally:
        for organization in (acme, globex):
            with in_schema(organization):
                cache.delete("greeting")


def test_a_session_made_at_acme_is_unknown_at_globex(in_schema, acme, globex):
    with in_schema(acme):
        session = SessionStore()
        session["seen"] = "acme"
        session.save()
    with in_schema(globex):
        assert not SessionStore().exists(session.session_key)
        assert SessionStore(session.session_key).load() == {}
    with in_schema(acme):
        assert SessionStore(session.session_key).load() == {"seen": "acme"}


def test_a_signed_in_cookie_from_acme_is_anonymous_at_globex(client_for, in_schema, acme, globex):
    acme_client = client_for(acme)
    with in_schema(acme):
        acme_client.force_login(get_user_model().objects.get(email=owner_email("acme")))
    assert owner_email("acme") in acme_client.get("/").content.decode()

    globex_client = client_for(globex)
    globex_client.cookies = acme_client.cookies
    assert owner_email("acme") not in globex_client.get("/").content.decode()


def test_the_cached_copy_of_a_session_expires_within_session_cache_seconds(in_schema, acme):
    with in_schema(acme):
        session = SessionStore()
        session["seen"] = "acme"
        session.save()
        ttl = caches[settings.SESSION_CACHE_ALIAS].ttl(session.cache_key)
    assert session.get_expiry_age() > settings.SESSION_CACHE_SECONDS
    assert 0 < ttl <= settings.SESSION_CACHE_SECONDS


@pytest.fixture
def throwaway_redis(tmp_path) -> Iterator[EmbeddedServices]:
    """A Valkey server of this test's own, so that stopping it affects nobody else."""
    server = EmbeddedServices(tmp_path)
    server.start(postgres=False, redis=True)
    yield server
    server.stop()


def _caches_at(location: str) -> dict:
    return {alias: {**config, "LOCATION": location} for alias, config in settings.CACHES.items()}


def test_the_site_answers_with_redis_stopped_and_nobody_is_signed_out(
    throwaway_redis, client_for, public_client, in_schema, acme
):
    socket = throwaway_redis.run_dir / "valkey.sock"
    with override_settings(CACHES=_caches_at(f"unix://{socket}?db=0")):
        client = client_for(acme)
        with in_schema(acme):
            client.force_login(get_user_model().objects.get(email=owner_email("acme")))
            cache.set("warm", "yes")
            assert cache.get("warm") == "yes"  # the throwaway server is really in use
        assert owner_email("acme") in client.get("/").content.decode()

        throwaway_redis.stop()
        assert not socket.exists()

        response = client.get("/")
        assert response.status_code == 200
        assert owner_email("acme") in response.content.decode()  # session read from the table
        assert public_client.get("/").status_code == 200
        with in_schema(acme):
            assert cache.get("warm") is None  # a miss, not an error
            cache.set("warm", "again")  # dropped, not an error
            # Signing in still works: the session is written to the table.
            newcomer = client_for(acme)
            newcomer.force_login(get_user_model().objects.get(email=owner_email("acme")))
        assert owner_email("acme") in newcomer.get("/").content.decode()
