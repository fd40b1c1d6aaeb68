"""The platform API's credentials and body: platform API tokens as Bearer, their scope, and
a JSON parser that names what is wrong with a body (the services validate its fields)."""

import json

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, ParseError
from rest_framework.parsers import BaseParser
from rest_framework.permissions import SAFE_METHODS, BasePermission

from shared_apps.platform.api_tokens import TOKEN_PREFIX, api_token_authenticate
from shared_apps.tenants.models import PlatformAPIToken


class PlatformTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer tnt_…`; request.auth is the token, request.user anonymous
    (a platform token belongs to an integration, not to a person)."""

    def authenticate(self, request):
        # Read as text, as tenant_apps/api/authentication.py does (latin-1 header bytes).
        parts = request.META.get("HTTP_AUTHORIZATION", "").split()
        if not parts or parts[0].lower() != "bearer":
            return None
        token = api_token_authenticate(parts[1]) if len(parts) == 2 else None
        if token is None:
            raise AuthenticationFailed("Unknown, expired or revoked platform API token.")
        return AnonymousUser(), token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="platform"'


class PlatformTokenScope(BasePermission):
    """A token is required; a `read` token may only read."""

    message = "This platform API token is read-only."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, PlatformAPIToken):
            raise NotAuthenticated(
                "Send a valid platform API token: Authorization: Bearer <token>."
            )
        return request.method in SAFE_METHODS or token.scope == PlatformAPIToken.Scope.READ_WRITE


class ObjectJSONParser(BaseParser):
    """A UTF-8 JSON object, else a 400 saying which of the three it is not."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = json.loads(stream.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise ParseError("The body is not UTF-8 encoded JSON.") from None
        except json.JSONDecodeError:
            raise ParseError("The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise ParseError("The body must be a JSON object.")
        return data


class PlatformBearerScheme(OpenApiAuthenticationExtension):
    target_class = "shared_apps.platform.api_auth.PlatformTokenAuthentication"
    name = "platformBearer"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": f"A platform API token ({TOKEN_PREFIX}…), made in the console.",
        }
