"""With DEBUG off, every error status (400, 403, 403 CSRF, 404, 500) answers with the
platform's own page on the platform host and on organization hosts, the 500 page without
touching the database or naming the organization; and the router's own pages (bad host,
unknown organization) carry the same security headers as every other page."""

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings

from shared_apps.tenants import error_pages

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("tests.shared_apps.tenants.error_urls_tenant"),
]

HEADINGS = {
    400: "That request could not be understood",
    403: "You are not allowed to do that",
    404: "There is no page at this address",
    500: "Something went wrong on our side",
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.fixture(autouse=True)
def _public_urls_with_the_failing_view():
    with override_settings(PUBLIC_SCHEMA_URLCONF="tests.shared_apps.tenants.error_urls_public"):
        yield


@pytest.fixture(params=["platform", "organization"])
def host(request, acme) -> str:
    return (
        settings.PLATFORM_DOMAIN
        if request.param == "platform"
        else f"acme.{settings.PLATFORM_DOMAIN}"
    )


def assert_platform_page(response, status: int, heading: str) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in html
    assert f"· {settings.PLATFORM_NAME}</title>" in html  # the platform's error layout
    assert "Acme" not in html and "acme" not in html
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    return html


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_each_error_status_answers_with_the_platform_page(host, status):
    assert settings.DEBUG is False
    client = Client(HTTP_HOST=host, raise_request_exception=False)
    assert_platform_page(client.get(f"/fail/{status}/"), status, HEADINGS[status])


def test_an_address_that_matches_nothing_gets_the_404_page(host):
    assert_platform_page(Client(HTTP_HOST=host).get("/no/such/page/"), 404, HEADINGS[404])


def test_a_post_without_its_csrf_token_gets_the_403_csrf_page(host):
    client = Client(HTTP_HOST=host, enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "someone@example.test"})
    assert_platform_page(response, 403, "This form has expired or came from somewhere else")


def test_the_500_page_runs_no_query_and_names_no_organization(acme, django_assert_num_queries):
    request = RequestFactory().get("/", HTTP_HOST=f"acme.{settings.PLATFORM_DOMAIN}")
    request.tenant = acme
    with django_assert_num_queries(0):
        response = error_pages.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500 and HEADINGS[500] in html
    assert acme.name not in html and acme.slug not in html and acme.schema_name not in html


@pytest.mark.parametrize(("hostname", "status"), [("nobody.localhost", 404), ("bad_host!", 400)])
def test_the_routers_own_pages_carry_the_security_headers(hostname, status):
    response = Client(HTTP_HOST=hostname).get("/")
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
