"""`Authorization: Bearer tpat_…`: a personal API token of this organization."""

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from tenant_apps.api.tokens import token_authenticate


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Send one token: Authorization: Bearer <token>.")
        raw = parts[1].decode("latin-1")
        token = token_authenticate(raw)
        if token is None or not token.user.is_active:
            raise AuthenticationFailed("Unknown, expired or revoked token for this organization.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
