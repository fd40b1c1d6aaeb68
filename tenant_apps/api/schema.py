"""OpenAPI of the tenant API: its Bearer credentials, and the examples of operations whose
modules declare none (the envelope hook and the docs page are shared with the platform API:
shared_apps/api/schema.py)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from tenant_apps.api.schema_examples import EXAMPLES_BY_OPERATION


def _add_examples(operation: dict) -> None:
    """Examples for operations whose modules declare none (schema_examples.py)."""
    examples = EXAMPLES_BY_OPERATION.get(operation.get("operationId", ""), {})
    for media in operation.get("requestBody", {}).get("content", {}).values():
        if "request" in examples and "examples" not in media:
            media["examples"] = {"Request": {"value": examples["request"]}}
    for code, value in examples.get("responses", {}).items():
        media = operation["responses"].get(code, {}).get("content", {}).get("application/json")
        if media is not None and "examples" not in media:
            media["examples"] = {"Response": {"value": value}}


def add_examples(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook, run before the envelope hook wraps them."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            _add_examples(operation)
    return result


class AutoSchema(SpectacularAutoSchema):
    """REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS, for both APIs: drf-spectacular's, imported from
    here so that every schema generation imports this module, and so registers BearerScheme
    (extensions register on import), without app loading importing drf-spectacular."""


class BearerScheme(OpenApiAuthenticationExtension):
    """Personal API tokens (tpat_…) and RS256 access tokens, both as Bearer."""

    target_class = "tenant_apps.api.authentication.BearerAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (tpat_…) or an access token (JWT).",
        }
