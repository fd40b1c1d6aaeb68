"""OpenAPI 3 on every organization's host, describing the envelope the API sends."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


def _schema(client) -> dict:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_served_on_every_host_with_bearer_auth(acme_client, globex_client):
    schema = _schema(acme_client)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/projects/", "/api/v1/me/", "/api/v1/files/", "/api/v1/auth/token/"} <= set(
        schema["paths"]
    )
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert _schema(globex_client)["paths"].keys() == schema["paths"].keys()


def test_documented_answers_are_enveloped_like_the_real_ones(acme, acme_owner_client):
    schema = _schema(acme_owner_client)
    documented = schema["paths"]["/api/v1/me/"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    assert set(documented["required"]) == {"data", "error", "meta"}
    actual = acme_owner_client.get("/api/v1/me/").json()
    assert set(actual) == {"data", "error", "meta"}
    me_schema = documented["properties"]["data"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][me_schema]["properties"]) == set(actual["data"])


def test_examples_are_enveloped_too(acme_client):
    create = _schema(acme_client)["paths"]["/api/v1/projects/"]["post"]
    created = create["responses"]["201"]["content"]["application/json"]["examples"]["Created"]
    assert created["value"]["data"]["name"] == "Rocket skates"
    assert created["value"]["error"] is None
    request = create["requestBody"]["content"]["application/json"]["examples"]["NewProject"]
    assert request["value"] == {"name": "Rocket skates"}
