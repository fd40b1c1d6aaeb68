"""Every endpoint in the schema has an example, and every example is valid against the
schema it illustrates (so an example cannot drift from the serializer it documents)."""

import pytest
from openapi_schema_validator import OAS30Validator

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


def _schema(client) -> dict:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _examples(operation: dict):
    """(where, media type schema, example value) for each example of the operation."""
    bodies = [("request", operation.get("requestBody", {}))]
    bodies += [(f"response {code}", r) for code, r in operation["responses"].items()]
    for where, body in bodies:
        for media_type, media in body.get("content", {}).items():
            for name, example in media.get("examples", {}).items():
                yield f"{where} {media_type} {name}", media_type, media["schema"], example["value"]


def test_every_operation_has_a_success_or_request_example(acme_client):
    schema = _schema(acme_client)
    without = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            success = [
                e for e in _examples(operation) if not e[0].startswith(("response 4", "response 5"))
            ]
            if not success and not _is_bodiless(operation):
                without.append(f"{method.upper()} {path}")
    assert without == []


def _is_bodiless(operation: dict) -> bool:
    """No JSON to illustrate: no request body and only 204 or binary success answers."""
    if "requestBody" in operation:
        return False
    return all(
        "application/json" not in response.get("content", {})
        for code, response in operation["responses"].items()
        if code.startswith("2")
    )


def test_every_operation_documents_its_errors_with_an_example(acme_client):
    schema = _schema(acme_client)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = [c for c in operation["responses"] if c.startswith("4")]
            assert {"403", "429"} <= set(errors), f"{method} {path}"
            for code in errors:
                media = operation["responses"][code]["content"]["application/json"]
                assert media["examples"], f"{method} {path} {code}"


def test_every_example_is_valid_against_its_schema(acme_client):
    schema = _schema(acme_client)
    checked = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for where, media_type, media_schema, value in _examples(operation):
                if media_type == "multipart/form-data":
                    continue  # a file's bytes cannot be written in an example
                validator = OAS30Validator({**media_schema, "components": schema["components"]})
                errors = [e.message for e in validator.iter_errors(value)]
                assert errors == [], f"{method.upper()} {path} {where}: {errors}"
                checked += 1
    assert checked > 40


def test_a_wrong_example_would_be_caught(acme_client):
    """The validator really checks: a project example with a string id is refused."""
    schema = _schema(acme_client)
    media = schema["paths"]["/api/v1/projects/{id}/"]["get"]["responses"]["200"]["content"]
    validator = OAS30Validator({**media["application/json"]["schema"], **schema})
    bad = {"data": {"id": "x", "name": "n", "created_at": "2026-12-01T09:30:00Z"},
           "error": None, "meta": {}}  # fmt: skip
    assert list(validator.iter_errors(bad))
