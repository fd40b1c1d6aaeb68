"""OpenAPI of the tenant API: its Bearer credentials (the envelope hook and the docs page
are shared with the platform API: shared_apps/api/schema.py)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
