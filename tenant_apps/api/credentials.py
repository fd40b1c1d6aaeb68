"""Which credential a request came with, and the scope it grants."""

from tenant_apps.api.jwt_tokens import JwtCredential
from tenant_apps.api.models import ApiToken


def credential_kind(request) -> str:
    if isinstance(request.auth, ApiToken):
        return "api_token"
    if isinstance(request.auth, JwtCredential):
        return "jwt"
    return "session"


def credential_scope(request) -> str:
    return getattr(request.auth, "scope", ApiToken.Scope.READ_WRITE)
