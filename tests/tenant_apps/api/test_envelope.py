"""The envelope, the error mapping, pagination, filtering and ordering on /api/v1/projects/."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenant_apps.tracker.models import Project
from tests.tenant_apps.api.hosts import host_of

pytestmark = pytest.mark.django_db


def test_list_is_enveloped_and_paginated_by_cursor(acme, acme_owner_client, in_schema):
    with in_schema(acme):
        Project.objects.bulk_create(Project(name=f"p{i}") for i in range(5))

    first = acme_owner_client.get("/api/v1/projects/?page_size=2").json()
    assert first["error"] is None
    assert [p["name"] for p in first["data"]] == ["p4", "p3"]
    assert first["meta"]["previous"] is None
    second = acme_owner_client.get(first["meta"]["next"]).json()
    assert [p["name"] for p in second["data"]] == ["p2", "p1"]
    third = acme_owner_client.get(second["meta"]["next"]).json()
    assert [p["name"] for p in third["data"]] == ["p0"]
    assert third["meta"]["next"] is None


def test_filtering_and_ordering(acme, acme_owner_client, in_schema):
    with in_schema(acme):
        Project.objects.bulk_create(Project(name=n) for n in ["Zeta rockets", "Alpha", "Rocket"])

    body = acme_owner_client.get("/api/v1/projects/?name=rocket&ordering=name").json()
    assert [p["name"] for p in body["data"]] == ["Rocket", "Zeta rockets"]


def test_create_goes_through_the_service_and_answers_201(acme, acme_owner_client, in_schema):
    response = acme_owner_client.post(
        "/api/v1/projects/", {"name": "  Anvils  "}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["data"]["name"] == "Anvils"  # the service strips it
    with in_schema(acme):
        assert list(Project.objects.values_list("name", flat=True)) == ["Anvils"]


def test_invalid_fields_are_422_with_a_message_per_field(acme_owner_client):
    response = acme_owner_client.post(
        "/api/v1/projects/", {"name": "   "}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["data"] is None
    assert body["error"]["code"] == "invalid"
    assert body["error"]["fields"]["name"]


def test_unreadable_json_is_400(acme_owner_client):
    response = acme_owner_client.post(
        "/api/v1/projects/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_no_credentials_is_401_with_a_challenge(acme_client):
    response = acme_client.get("/api/v1/projects/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "not_authenticated"


def test_unknown_object_is_404_in_the_envelope(acme_owner_client):
    response = acme_owner_client.get("/api/v1/projects/999999/")
    assert response.status_code == 404
    assert response.json() == {
        "data": None,
        "error": {"code": "not_found", "message": "Not found.", "fields": {}},
        "meta": {},
    }


def test_an_id_that_exists_only_at_globex_is_404_at_acme(
    globex, acme_owner_client, globex_owner_client, in_schema
):
    with in_schema(globex):
        project = Project.objects.create(name="Globex only")
    assert globex_owner_client.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    assert acme_owner_client.get(f"/api/v1/projects/{project.pk}/").status_code == 404


def test_session_from_acme_is_401_at_globex(acme_owner_client, globex):
    cookie = acme_owner_client.cookies["sessionid"].value
    assert acme_owner_client.get("/api/v1/me/").status_code == 200
    other = Client(HTTP_HOST=host_of(globex))
    other.cookies["sessionid"] = cookie
    assert other.get("/api/v1/me/").status_code == 401


def test_session_writes_need_the_csrf_token(acme, owner_of, in_schema):
    user, _ = owner_of(acme)
    strict = Client(HTTP_HOST=host_of(acme), enforce_csrf_checks=True)
    with in_schema(acme):
        strict.force_login(user)
    response = strict.post("/api/v1/projects/", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_me_names_the_user_and_the_organization(acme_owner_client):
    body = acme_owner_client.get("/api/v1/me/").json()
    assert body["data"]["email"] == "owner@acme.test"
    assert body["meta"] == {"organization": "acme", "credential": "session", "scope": "read-write"}


def test_project_list_query_count_does_not_grow_with_rows(
    acme, acme_owner_client, in_schema, django_assert_num_queries
):
    acme_owner_client.get("/api/v1/projects/")  # the session's first request loads the user

    def queries_for_list(count: int) -> int:
        with in_schema(acme):
            Project.objects.bulk_create(Project(name=f"n{count}-{i}") for i in range(count))
        with CaptureQueriesContext(connection) as captured:
            assert len(acme_owner_client.get("/api/v1/projects/").json()["data"]) >= count
        return len(captured)

    assert queries_for_list(3) == queries_for_list(40)
    with django_assert_num_queries(2):  # the signed-in user, the page (session: Redis)
        acme_owner_client.get("/api/v1/projects/")
