"""OpenAPI for both hosts: the envelope in every documented answer, the error answers every
operation can give (shared_apps/api/envelope.py's mapping), and the CSP-safe Swagger UI page."""

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
_NEXT_PAGE = "https://acme.example.com/api/v1/projects/?cursor=cD0yMDI2LTEyLTAx"
_ERROR_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}

# status → (description, example code, example message); which apply: _error_statuses.
_ERRORS = {
    "400": ("The body is not readable (bad JSON, bad multipart).", "parse_error",
            "JSON parse error - Expecting value: line 1 column 1 (char 0)"),
    "401": ("No credential, or one this organization does not know.", "not_authenticated",
            "Authentication credentials were not provided."),
    "403": ("Wrong role, a read-only token writing, or CSRF missing.", "permission_denied",
            "Members of this organization only; read-only tokens may only read."),
    "404": ("Nothing with that id in this organization (or an invalid cursor).", "not_found",
            "Not found."),
    "409": ("The database refused the write (a uniqueness race).", "conflict",
            "This conflicts with data stored already."),
    "422": ("Field validation failed: `fields` maps each field to its messages.", "invalid",
            "Some fields are invalid."),
    "429": ("Rate limited: Retry-After says when to try again.", "throttled",
            "Request was throttled. Expected available in 42 seconds."),
    "503": ("No JWT signing key is installed.", "jwt_unavailable",
            "Access tokens are not available: no signing key is installed."),
}  # fmt: skip


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


def _enveloped_example(data) -> dict:
    """A list is a page: its meta carries the cursor links (pagination.py)."""
    meta = {"next": _NEXT_PAGE, "previous": None, "page_size": 50} if isinstance(data, list) else {}
    return {"data": data, "error": None, "meta": meta}


def _error_statuses(path: str, method: str, operation: dict) -> list[str]:
    """The error statuses this operation can answer with (the mapping in envelope.py)."""
    statuses = ["403", "429"]
    if operation.get("security") or path.endswith("/auth/token/refresh/"):
        statuses.append("401")
    query = {p.get("name") for p in operation.get("parameters", []) if p.get("in") == "query"}
    if "{" in path or "cursor" in query:
        statuses.append("404")  # an unknown id, or a cursor this list did not hand out
    if "requestBody" in operation:
        statuses += ["400", "422"]
    elif query:
        statuses.append("422")  # a filter value of the wrong type
    if method in {"post", "put", "patch", "delete"}:
        statuses.append("409")
    if "/auth/token/" in path and not path.endswith("/revoke/"):
        statuses.append("503")
    return sorted(set(statuses))


def _error_response(status: str) -> dict:
    description, code, message = _ERRORS[status]
    fields = {"name": ["This field is required."]} if status == "422" else {}
    value = {"data": None, "error": {"code": code, "message": message, "fields": fields},
             "meta": {}}  # fmt: skip
    media = {"schema": _ERROR_REF, "examples": {code: {"value": value}}}
    return {"description": description, "content": {"application/json": media}}


def _json_bodies_only(operation: dict) -> None:
    """Where a body is JSON, document JSON alone: the same body also offered as multipart
    (DRF's parsers accept both) makes generated clients ambiguous (openapi-python-client
    emits a union of one type twice, which does not import). Uploads stay multipart."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        content.pop("multipart/form-data", None)


def wrap_in_envelope(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: 2xx JSON bodies as {"data", "error", "meta"}
    (what EnvelopeRenderer sends), and each operation's error answers as ErrorEnvelope."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            _json_bodies_only(operation)
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {}).get("application/json")
                if content and str(code).startswith("2"):
                    content["schema"] = _enveloped(content.get("schema", {}))
                    for example in content.get("examples", {}).values():
                        example["value"] = _enveloped_example(example["value"])
            for status in _error_statuses(path, method, operation):
                operation["responses"].setdefault(status, _error_response(status))
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
