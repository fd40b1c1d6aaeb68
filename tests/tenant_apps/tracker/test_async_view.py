"""The async view under the real ASGI application (config.asgi)."""

import json

import pytest

from tenant_apps.tracker.models import Project

pytestmark = pytest.mark.django_db


def test_async_view_reads_the_requesting_organizations_schema(
    asgi_get, in_schema, owner_of, acme, globex
):
    with in_schema(acme):
        Project.objects.create(name="Acme roadmap")
    with in_schema(globex):
        Project.objects.create(name="Globex launch")
        Project.objects.create(name="Globex hiring")

    acme_session = owner_of(acme)[1].cookies["sessionid"].value
    globex_session = owner_of(globex)[1].cookies["sessionid"].value

    status, body = asgi_get("acme.localhost", "/summary.json", session=acme_session)
    assert status == 200
    assert json.loads(body) == {"organization": "acme", "count": 1, "projects": ["Acme roadmap"]}

    status, body = asgi_get("globex.localhost", "/summary.json", session=globex_session)
    assert json.loads(body)["projects"] == ["Globex launch", "Globex hiring"]


def test_async_view_refuses_a_session_from_another_organization(asgi_get, owner_of, acme):
    acme_session = owner_of(acme)[1].cookies["sessionid"].value
    status, body = asgi_get("globex.localhost", "/summary.json", session=acme_session)
    assert status == 401
    assert b"Globex" not in body and b"Acme" not in body


def test_unknown_host_is_refused_under_asgi_too(asgi_get):
    status, body = asgi_get("nobody.localhost", "/summary.json")
    assert status == 404
    assert b"There is no organization at nobody.localhost" in body
