"""Every page carries the Content-Security-Policy, and no inline script or style on any
page runs without the nonce that policy names (the console, organization pages, allauth's
pages and the router's own 400/403/404/503 pages)."""

import re
from html.parser import HTMLParser

import pytest

from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.models import Organization

pytestmark = pytest.mark.django_db


class _InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline <script>/<style> without a nonce,
    style="" attributes and on…="" handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.nonces: list[str] = []
        self.without_nonce: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "style" or (tag == "script" and "src" not in values):
            if values.get("nonce"):
                self.nonces.append(values["nonce"])
            else:
                self.without_nonce.append(tag)
        self.attributes += [f"{tag} {name}" for name in values if name == "style"]
        self.attributes += [f"{tag} {name}" for name in values if name.startswith("on")]


def assert_strict_policy_holds(response, status: int) -> None:
    assert response.status_code == status
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy
    page = _InlineCode()
    page.feed(response.content.decode())
    assert page.without_nonce == [] and page.attributes == []
    for used in page.nonces:
        assert re.search(rf"(script|style)-src [^;]*'nonce-{re.escape(used)}'", policy)


def test_public_site_and_its_sign_in(public_client):
    for path in ("/", "/find/", "/accounts/login/", "/accounts/password/reset/"):
        assert_strict_policy_holds(public_client.get(path), 200)


def test_console_pages(staff_client, acme):
    pages = ("/platform/", f"/platform/organizations/{acme.slug}/", "/platform/organizations/new/",
             "/platform/api-tokens/", "/platform/audit/", "/platform/failed-tasks/")  # fmt: skip
    for path in pages:
        assert_strict_policy_holds(staff_client.get(path), 200)


def test_console_page_of_an_organization_being_provisioned(staff_client, acme):
    lifecycle.organization_set_status(organization=acme, status=Organization.Status.PROVISIONING)
    assert_strict_policy_holds(staff_client.get(f"/platform/organizations/{acme.slug}/"), 200)


def test_organization_pages(acme_owner_client, acme_client):
    for path in ("/", "/members/", "/files/", "/accounts/email/", "/accounts/password/change/"):
        assert_strict_policy_holds(acme_owner_client.get(path), 200)
    assert_strict_policy_holds(acme_client.get("/accounts/login/"), 200)


def test_api_docs_page_runs_under_the_strict_policy(acme_client, acme_owner_client):
    """Swagger UI (drf-spectacular-sidecar, self-hosted): its assets from /static/, its
    start-up script a file of its own, its one inline style with the nonce."""
    page = acme_client.get("/api/docs/")
    assert_strict_policy_holds(page, 200)
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    script = acme_client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()
    assert_strict_policy_holds(acme_owner_client.get("/settings/api-tokens/"), 200)


def test_platform_api_docs_page_runs_under_the_strict_policy(public_client):
    assert_strict_policy_holds(public_client.get("/api/docs/"), 200)
    assert "/api/schema/" in public_client.get("/api/docs/?script=").content.decode()


def test_router_pages(client_for, acme, globex):
    from django.test import Client

    assert_strict_policy_holds(Client(HTTP_HOST="nowhere.localhost").get("/"), 404)
    assert_strict_policy_holds(Client(HTTP_HOST="bad host!").get("/"), 400)
    lifecycle.organization_set_status(organization=acme, status=Organization.Status.SUSPENDED)
    assert_strict_policy_holds(client_for(acme).get("/"), 403)
    lifecycle.organization_set_status(organization=globex, status=Organization.Status.PROVISIONING)
    assert_strict_policy_holds(client_for(globex).get("/"), 503)


def test_error_pages_on_both_host_kinds(public_client, acme_client):
    """Django's error views (templates/404.html, 403_csrf.html, …) style themselves with
    the page's nonce, on the public host and on an organization's."""
    from django.test import Client

    for client in (public_client, acme_client):
        assert_strict_policy_holds(client.get("/no-such-page/"), 404)
    strict = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")
    assert_strict_policy_holds(strict.post("/find/", {"email": "a@example.com"}), 403)
