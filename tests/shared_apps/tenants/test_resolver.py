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


def test_a_cold_miss_fills_every_verified_domain_in_two_queries(acme, globex):
    Domain.objects.create(domain="shop.example.com", tenant=acme, is_verified=True)
    Domain.objects.create(domain="unproven.example.com", tenant=globex, is_verified=False)
    resolver.clear_local_routing_cache()
    resolver.allow_bulk_fill_now()

    with CaptureQueriesContext(connection) as queries:
        assert resolver.resolve_hostname("acme.localhost").organization().slug == "acme"
    assert len(queries) == 2, _sql(queries)

    with CaptureQueriesContext(connection) as queries:
        assert resolver.resolve_hostname("globex.localhost").organization().slug == "globex"
        assert resolver.resolve_hostname("shop.example.com").organization().slug == "acme"
    assert _sql(queries) == []
    # An unverified domain was not part of the fill, and its own lookup refuses it.
    assert resolver.resolve_hostname("unproven.example.com").is_unknown


def test_the_bulk_fill_answers_as_the_single_lookup_does(acme):
    resolver.clear_local_routing_cache()
    resolver.allow_bulk_fill_now()
    filled = resolver.resolve_hostname("acme.localhost")
    single = resolver._lookup("acme.localhost")
    assert filled == single
    assert filled.organization().pk == acme.pk
    assert filled.organization().status == acme.status


def test_an_organization_without_its_schema_is_marked_missing_by_the_fill(acme):
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{acme.schema_name}" RENAME TO "gone_{acme.schema_name}"')
    resolver.clear_local_routing_cache()
    resolver.allow_bulk_fill_now()
    assert resolver.resolve_hostname("acme.localhost").schema_missing
    assert not resolver.resolve_hostname("globex.localhost").schema_missing


def test_the_fill_reads_no_more_than_the_cache_holds(acme, globex, monkeypatch):
    resolver.clear_local_routing_cache()
    resolver.allow_bulk_fill_now()
    monkeypatch.setattr(resolver, "_MAX_ENTRIES", 1)
    resolver.resolve_hostname("ghost.localhost")
    # The first verified domain by id, and the unknown host's own answer.
    assert resolver.routing_cache_size() == 2


def test_misses_soon_after_a_fill_look_up_one_host_each(acme, globex):
    resolver.clear_local_routing_cache()
    resolver.allow_bulk_fill_now()
    resolver.resolve_hostname("acme.localhost")  # the fill
    resolver.clear_local_routing_cache()  # a change, moments later

    with CaptureQueriesContext(connection) as queries:
        resolver.resolve_hostname("globex.localhost")
    assert len(queries) == 2, _sql(queries)  # its domain and its schema, nothing else
    assert resolver.routing_cache_size() == 1


def test_answers_read_before_a_clear_are_not_kept_after_it(acme, monkeypatch):
    """A change committed while a fill was reading must not leave the old answer cached."""
    read_everything = resolver._lookup_all

    def read_then_change(*, limit: int) -> list[resolver.Resolution]:
        resolutions = read_everything(limit=limit)
        resolver.clear_local_routing_cache()  # what the change's broadcast does meanwhile
        return resolutions

    monkeypatch.setattr(resolver, "_lookup_all", read_then_change)
    resolver.clear_local_routing_cache()
    resolver.allow_bulk_fill_now()
    assert resolver.resolve_hostname("acme.localhost").organization().slug == "acme"
    assert resolver.routing_cache_size() == 1  # the single lookup after the clear, only


def test_concurrent_cold_misses_share_one_fill(acme, globex, monkeypatch):
    """32 threads missing at once: one reads every domain, the rest wait and find theirs."""
    calls: list[str] = []
    read_everything, read_one = resolver._lookup_all, resolver._lookup

    def counted_fill(*, limit: int) -> list[resolver.Resolution]:
        calls.append("fill")
        return read_everything(limit=limit)

    def counted_lookup(hostname: str) -> resolver.Resolution:
        calls.append(hostname)
        return read_one(hostname)

    monkeypatch.setattr(resolver, "_lookup_all", counted_fill)
    monkeypatch.setattr(resolver, "_lookup", counted_lookup)
    resolver.clear_local_routing_cache()
    resolver.allow_bulk_fill_now()
    start = threading.Barrier(32)
    answers: list[str] = []

    def visit(hostname: str) -> None:
        try:
            start.wait()
            answers.append(resolver.resolve_hostname(hostname).organization().slug)
        finally:
            connection.close()  # each thread's own connection

    hosts = ["acme.localhost", "globex.localhost"] * 16
    threads = [threading.Thread(target=visit, args=(host,)) for host in hosts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["acme"] * 16 + ["globex"] * 16
    assert calls == ["fill"]
