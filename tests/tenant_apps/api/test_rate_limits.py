"""Rate limits by plan, per credential and per organization, counted in Redis."""

import pytest

from shared_apps.tenants.models import Organization
from shared_apps.tenants.routing.resolver import clear_local_routing_cache
from tenant_apps.api import throttling
from tests.support.redis_trips import redis_round_trips

pytestmark = pytest.mark.django_db


class _Clock:
    """30 s into a one-minute window: no test straddles a window's end."""

    @staticmethod
    def time() -> float:
        return 29_000_000 * 60 + 30.0


@pytest.fixture
def small_limits(settings, monkeypatch):
    monkeypatch.setattr(throttling, "time", _Clock)
    settings.API_RATE_LIMITS = {
        "free": {"organization": 5, "credential": 3},
        "business": {"organization": 50, "credential": 30},
    }


def _get(client, **headers):
    return client.get("/api/v1/me/", **headers)


def test_a_credential_over_its_limit_gets_429_with_retry_after(
    small_limits, acme, owner_of, token_for, bearer, acme_client
):
    owner, _ = owner_of(acme)
    _token, raw = token_for(acme, owner)
    assert [_get(acme_client, **bearer(raw)).status_code for _ in range(3)] == [200] * 3
    refused = _get(acme_client, **bearer(raw))
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    assert refused.json()["error"]["code"] == "throttled"


def test_the_organization_budget_is_shared_by_its_credentials_only(
    small_limits, acme, globex, owner_of, token_for, bearer, acme_client, globex_client
):
    owner, _ = owner_of(acme)
    first, second = token_for(acme, owner)[1], token_for(acme, owner)[1]
    statuses = [_get(acme_client, **bearer(first)).status_code for _ in range(3)]
    statuses += [_get(acme_client, **bearer(second)).status_code for _ in range(3)]
    assert statuses == [200] * 5 + [429]  # the organization's 5 are spent

    globex_owner, _ = owner_of(globex)
    _token, globex_raw = token_for(globex, globex_owner)
    assert _get(globex_client, **bearer(globex_raw)).status_code == 200  # its own budget


def test_the_plan_sets_the_limit(small_limits, acme, owner_of, token_for, bearer, acme_client):
    Organization.objects.filter(pk=acme.pk).update(plan="business")
    clear_local_routing_cache()
    owner, _ = owner_of(acme)
    _token, raw = token_for(acme, owner)
    assert {_get(acme_client, **bearer(raw)).status_code for _ in range(10)} == {200}


def test_a_credential_refused_does_not_spend_the_organizations_budget(
    small_limits, acme, owner_of, token_for, bearer, acme_client
):
    owner, _ = owner_of(acme)
    first, second = token_for(acme, owner)[1], token_for(acme, owner)[1]
    statuses = [_get(acme_client, **bearer(first)).status_code for _ in range(6)]
    assert statuses == [200] * 3 + [429] * 3  # the organization has spent 3 of its 5
    assert [_get(acme_client, **bearer(second)).status_code for _ in range(3)] == [200] * 2 + [429]


def test_both_budgets_are_counted_in_one_redis_round_trip(
    small_limits, acme, owner_of, token_for, bearer, acme_client, monkeypatch
):
    owner, _ = owner_of(acme)
    _token, raw = token_for(acme, owner)
    _get(acme_client, **bearer(raw))  # warm: the script is loaded once per server
    with redis_round_trips(monkeypatch) as sent:
        assert _get(acme_client, **bearer(raw)).status_code == 200
    rate_limit_trips = [trip for trip in sent if b"api-rate:" in trip]
    assert len(rate_limit_trips) == 1
    assert b"org_acme:" in rate_limit_trips[0]  # the cache's keys: the schema first


def test_requests_pass_uncounted_when_redis_is_unreachable(
    small_limits, settings, acme, owner_of, token_for, bearer, acme_client
):
    owner, _ = owner_of(acme)
    _token, raw = token_for(acme, owner)
    unreachable = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there
    settings.CACHES = {
        alias: {**config, "LOCATION": unreachable} for alias, config in settings.CACHES.items()
    }
    assert {_get(acme_client, **bearer(raw)).status_code for _ in range(5)} == {200}
