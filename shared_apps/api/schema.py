"""OpenAPI for both hosts: the envelope in every documented answer, and the CSP-safe
Swagger UI page."""

from drf_spectacular.views import SpectacularSwaggerSplitView

_ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": True},
    },
    "required": ["code", "message", "fields"],
}


def _enveloped(data_schema: dict) -> dict:
    return {
        "type": "object",
        "properties": {
            "data": data_schema,
            "error": {"type": "object", "nullable": True},
            "meta": {"type": "object", "additionalProperties": True},
        },
        "required": ["data", "error", "meta"],
    }


def wrap_in_envelope(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: 2xx JSON bodies as {"data", "error", "meta"}
    (what EnvelopeRenderer sends), plus the error envelope as a component."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {}).get("application/json")
                if content and str(code).startswith("2"):
                    content["schema"] = _enveloped(content.get("schema", {}))
                    for example in content.get("examples", {}).values():
                        example["value"] = {"data": example["value"], "error": None, "meta": {}}
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorEnvelope"] = {
        "type": "object",
        "properties": {
            "data": {"type": "object", "nullable": True},
            "error": _ERROR,
            "meta": {"type": "object"},
        },
        "required": ["data", "error", "meta"],
    }
    return result


class SwaggerView(SpectacularSwaggerSplitView):
    """drf-spectacular's page with its inline style carrying the CSP nonce."""

    template_name = "api/swagger_ui.html"
