"""The async view under the real ASGI application (config.asgi)."""

import json

import pytest

from tenant_apps.tracker.models import Project

pytestmark = pytest.mark.django_db


def test_async_view_reads_the_requesting_organizations_schema(asgi_get, in_schema, acme, globex):
    with in_schema(acme):
        Project.objects.create(name="Acme roadmap")
    with in_schema(globex):
        Project.objects.create(name="Globex launch")
        Project.objects.create(name="Globex hiring")

    status, body = asgi_get("acme.localhost", "/summary.json")
    assert status == 200
    assert json.loads(body) == {"organization": "acme", "count": 1, "projects": ["Acme roadmap"]}

    status, body = asgi_get("globex.localhost", "/summary.json")
    assert json.loads(body)["projects"] == ["Globex launch", "Globex hiring"]


def test_unknown_host_is_refused_under_asgi_too(asgi_get):
    status, body = asgi_get("nobody.localhost", "/summary.json")
    assert status == 404
    assert b"There is no organization at nobody.localhost" in body
