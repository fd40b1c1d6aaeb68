import threading
import time

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shared_apps.tenants.models import Domain
from shared_apps.tenants.routing import resolver

pytestmark = pytest.mark.django_db


def _sql(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries]


def test_warm_lookup_costs_no_query(acme):
    resolver.resolve_hostname("acme.localhost")
    with CaptureQueriesContext(connection) as queries:
        resolution = resolver.resolve_hostname("acme.localhost")
    assert _sql(queries) == []
    assert resolution.organization().slug == "acme"


ROUTING_TABLES = ("tenants_domain", "tenants_organization")


def test_warm_request_sends_no_routing_sql(acme_owner_client):
    acme_owner_client.get("/")  # warms the routing cache and leaves the connection on acme
    with CaptureQueriesContext(connection) as queries:
        assert acme_owner_client.get("/").status_code == 200
    sql = _sql(queries)
    # The signed-in user and the page's own query (the session comes from the cache);
    # nothing for routing.
    assert len(sql) == 2, sql
    assert not [q for q in sql if q.startswith("SET") or any(t in q for t in ROUTING_TABLES)]


def test_switching_organization_costs_exactly_one_set(acme_owner_client, globex_owner_client):
    acme_owner_client.get("/")
    globex_owner_client.get("/")
    acme_owner_client.get("/")
    with CaptureQueriesContext(connection) as queries:
        globex_owner_client.get("/")
    # One SET, sent in the same message as the page's first query (no extra round trip).
    sets = [sql for sql in _sql(queries) if sql.startswith("SET search_path")]
    assert len(sets) == 1
    assert sets[0].startswith('SET search_path = "org_globex","public";\nSELECT')
    assert not [q for q in _sql(queries) if any(t in q for t in ROUTING_TABLES)]


def test_unknown_hosts_are_cached_too(client):
    client.get("/", HTTP_HOST="ghost.localhost")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/", HTTP_HOST="ghost.localhost").status_code == 404
    assert _sql(queries) == []


def test_moving_a_domain_to_another_organization_takes_effect_at_once(client, acme, globex):
    domain = Domain.objects.create(domain="shop.example.com", tenant=acme, is_verified=True)
    assert client.get("/", HTTP_HOST="shop.example.com").wsgi_request.tenant.slug == "acme"

    domain.tenant = globex
    domain.save()

    assert client.get("/", HTTP_HOST="shop.example.com").wsgi_request.tenant.slug == "globex"


def test_deleting_a_domain_takes_effect_at_once(client, acme):
    domain = Domain.objects.create(domain="old.example.com", tenant=acme, is_verified=True)
    assert client.get("/accounts/login/", HTTP_HOST="old.example.com").status_code == 200
    domain.delete()
    assert client.get("/accounts/login/", HTTP_HOST="old.example.com").status_code == 404


def test_an_invalidation_from_another_process_clears_this_processs_cache(acme):
    resolver.resolve_hostname("acme.localhost")
    assert resolver.routing_cache_size() > 0

    # What another process's invalidate_routing_cache() sends.
    redis.Redis.from_url(settings.TENANT_ROUTING_REDIS_URL).publish(
        settings.TENANT_ROUTING_CHANNEL, "flush"
    )

    cleared = threading.Event()
    for _ in range(100):
        if resolver.routing_cache_size() == 0:
            cleared.set()
            break
        time.sleep(0.05)
    assert cleared.is_set(), "the cache still held entries after the broadcast"
