import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.models import Domain, Organization
from tenant_apps.tracker.models import Project

pytestmark = pytest.mark.django_db


def test_known_host_serves_its_organization(acme_client):
    response = acme_client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Sign in to Acme Corp" in response.content
    assert response.wsgi_request.tenant.slug == "acme"


def test_organization_pages_ask_visitors_to_sign_in(acme_client):
    response = acme_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_public_host_serves_the_public_site(public_client):
    response = public_client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.tenant.is_public
    assert b"Every organization gets its own workspace" in response.content


def test_www_host_is_the_public_site(client):
    response = client.get("/", HTTP_HOST="www.localhost")
    assert response.status_code == 200
    assert response.wsgi_request.tenant.schema_name == "public"


def test_unknown_host_gets_a_404_page_linking_to_the_public_site(client):
    response = client.get("/", HTTP_HOST="nobody.localhost:8000")
    assert response.status_code == 404
    body = response.content.decode()
    assert "There is no organization at nobody.localhost" in body
    assert 'href="http://localhost:8000/"' in body
    assert "Acme" not in body and "Globex" not in body


def test_unknown_host_never_reaches_the_public_app(client):
    # A public-site URL on an unknown host still gets the unknown-organization page.
    response = client.get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 404
    assert b"Every organization gets its own workspace" not in response.content


@pytest.mark.parametrize(
    "host",
    ["ACME.localhost", "Acme.LOCALHOST:8000", "acme.localhost.", "acme.localhost.:8000"],
)
def test_host_variants_resolve_to_the_same_organization(client, host):
    response = client.get("/accounts/login/", HTTP_HOST=host)
    assert response.status_code == 200
    assert response.wsgi_request.tenant.slug == "acme"


@pytest.mark.parametrize(
    "host",
    ["acme..localhost", "acme.localhost:80a", "-acme.localhost", "acme_x.localhost",
     "a b.localhost", "[::1]:8000", "acme.localhost:1:2", "x" * 64 + ".localhost", ""],
)  # fmt: skip
def test_malformed_hosts_get_a_400_page(client, host):
    response = client.get("/", HTTP_HOST=host)
    assert response.status_code == 400
    assert b"isn't a valid web address" in response.content


def test_internationalized_custom_domain_is_matched_in_punycode(client, acme):
    domain = Domain(domain="bücher.example", tenant=acme, is_verified=True)
    domain.full_clean()
    domain.save()
    assert domain.domain == "xn--bcher-kva.example"

    for host in ("xn--bcher-kva.example", "BÜCHER.example"):
        response = client.get("/accounts/login/", HTTP_HOST=host)
        assert response.status_code == 200, host
        assert response.wsgi_request.tenant.slug == "acme"


def test_unverified_custom_domain_does_not_route(client, acme):
    Domain.objects.create(domain="not-yet.example.com", tenant=acme, is_verified=False)
    assert client.get("/accounts/login/", HTTP_HOST="not-yet.example.com").status_code == 404


def test_custom_domain_passes_djangos_host_checks(member_of, acme, in_schema):
    Domain.objects.create(domain="projects.acme-corp.example", tenant=acme, is_verified=True)
    _member, client = member_of(acme)
    response = client.post(
        "/", {"name": "From the custom domain"}, HTTP_HOST="projects.acme-corp.example"
    )
    assert response.status_code == 302
    with in_schema(acme):
        assert Project.objects.filter(name="From the custom domain").exists()


def test_suspended_organization_gets_the_suspended_page(acme_client, acme):
    lifecycle.organization_suspend(organization=acme)
    response = acme_client.get("/")
    assert response.status_code == 403
    assert b"Acme Corp is suspended" in response.content


def test_reactivated_organization_is_served_again(acme_client, acme):
    lifecycle.organization_suspend(organization=acme)
    lifecycle.organization_reactivate(organization=acme)
    assert acme_client.get("/accounts/login/").status_code == 200


def test_provisioning_organization_gets_the_being_set_up_page(acme_client, acme):
    lifecycle.organization_set_status(organization=acme, status=Organization.Status.PROVISIONING)
    response = acme_client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"Acme Corp is being set up" in response.content


def test_archived_organization_is_not_served(acme_client, acme):
    lifecycle.organization_set_status(organization=acme, status=Organization.Status.ARCHIVED)
    assert acme_client.get("/").status_code == 404


def test_request_runs_in_the_organizations_schema_then_returns_to_public(acme_owner_client):
    with CaptureQueriesContext(connection) as queries:
        assert acme_owner_client.get("/").status_code == 200
    assert any(q["sql"].startswith('SET search_path = "org_acme","public"') for q in queries)
    assert connection.schema_name == "public"


def test_session_and_csrf_cookies_are_host_only(acme_client):
    response = acme_client.get("/accounts/login/")
    assert response.cookies["csrftoken"]["domain"] == ""
