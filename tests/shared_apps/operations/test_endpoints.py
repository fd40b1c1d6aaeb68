"""/healthz, /readyz and the proxy's domain check: served on any host, before routing."""

import pytest
from django.test import Client, override_settings

from shared_apps.operations import health
from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.models import Domain


@pytest.fixture(autouse=True)
def _fresh_readiness():
    health.forget_cached_readiness()
    yield
    health.forget_cached_readiness()


@pytest.mark.parametrize("host", ["10.0.0.7:8000", "nobody.localhost", "bad host!", "localhost"])
def test_healthz_answers_on_any_host(db, host):
    response = Client(HTTP_HOST=host).get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response["Cache-Control"] == "no-store"


def test_readyz_is_ready_by_ip_when_every_check_passes(db, acme, globex):
    response = Client(HTTP_HOST="10.0.0.7").get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "ok", "broker": "ok", "migrations": "ok"},
    }


def test_readyz_fails_when_redis_is_unreachable(db, tmp_path):
    with override_settings(REDIS_URL=f"unix://{tmp_path}/no-redis.sock"):
        response = Client(HTTP_HOST="10.0.0.7").get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unavailable (ConnectionError)"


def test_readyz_fails_when_the_broker_is_unreachable(db, tmp_path):
    with override_settings(CELERY_BROKER_URL=f"redis+socket://{tmp_path}/no-broker.sock"):
        response = Client(HTTP_HOST="10.0.0.7").get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("unavailable")


def test_only_get_and_head_are_answered(db):
    assert Client(HTTP_HOST="10.0.0.7").post("/healthz").status_code == 405


def test_other_paths_still_go_through_tenant_routing(db):
    assert Client(HTTP_HOST="nobody.localhost").get("/").status_code == 404
    assert Client(HTTP_HOST="nobody.localhost").get("/healthz/extra").status_code == 404


def _check(domain: str) -> int:
    return (
        Client(HTTP_HOST="web:8000").get("/internal/domain-check", {"domain": domain}).status_code
    )


def test_domain_check_allows_verified_domains_of_active_organizations_only(db, acme, globex):
    Domain.objects.create(domain="acme.example", tenant=acme, is_primary=False, is_verified=True)
    Domain.objects.create(domain="unproven.example", tenant=acme, is_primary=False)
    Domain.objects.create(domain="globex.example", tenant=globex, is_primary=False,
                          is_verified=True)  # fmt: skip
    lifecycle.organization_suspend(organization=globex)

    assert _check("acme.example") == 200
    assert _check("ACME.example.") == 200  # normalized like the Host header
    assert _check("acme.localhost") == 200
    assert _check("unproven.example") == 404
    assert _check("globex.example") == 404  # suspended
    assert _check("globex.localhost") == 404
    assert _check("nobody.example") == 404
    assert _check("not a host") == 404
    assert Client(HTTP_HOST="web:8000").get("/internal/domain-check").status_code == 400
