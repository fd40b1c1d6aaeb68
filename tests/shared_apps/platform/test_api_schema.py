"""The platform API's own OpenAPI 3 schema and docs page, on the public host only."""

import pytest
import yaml
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def _schema(client) -> dict:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_public_host_serves_a_valid_schema_of_the_platform_api_only(public_client):
    schema = _schema(public_client)
    validate(schema)
    assert schema["info"]["title"] == "Tenantry platform API"
    assert set(schema["paths"]) == {
        "/platform/api/v1/organizations/",
        "/platform/api/v1/organizations/{slug}/",
        "/platform/api/v1/organizations/{slug}/{action}/",
        "/platform/api/v1/organizations/{slug}/export/",
        "/platform/api/v1/organizations/{slug}/owner-invitation/",
        "/platform/api/v1/organizations/{slug}/usage/",
    }
    scheme = schema["components"]["securitySchemes"]["platformBearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_organization_hosts_do_not_document_the_platform_api(acme_client):
    paths = set(_schema(acme_client)["paths"])
    assert paths and not any(p.startswith("/platform/") for p in paths)


def test_documented_answers_are_enveloped_like_the_real_ones(public_client, api):
    schema = _schema(public_client)
    documented = schema["paths"]["/platform/api/v1/organizations/{slug}/"]["get"]["responses"][
        "200"
    ]["content"]["application/json"]["schema"]
    assert set(documented["required"]) == {"data", "error", "meta"}
    actual = api("get", "organizations/acme/").json()
    name = documented["properties"]["data"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][name]["properties"]) == set(actual["data"])


def test_docs_page_points_at_the_platform_schema(public_client):
    response = public_client.get("/api/docs/")
    assert response.status_code == 200
    assert b"<title>Tenantry platform API</title>" in response.content
    assert b"/api/schema/" in public_client.get("/api/docs/?script=").content
