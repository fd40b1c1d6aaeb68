"""Bearer credentials of this organization: `tpat_…` personal API tokens and RS256 JWTs."""

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from tenant_apps.api.jwt_tokens import access_token_verify
from tenant_apps.api.tokens import TOKEN_PREFIX, token_authenticate


def issuer_of(request) -> str:
    """The organization's host URL as called: a JWT's `iss`."""
    return request.build_absolute_uri("/").rstrip("/")


class BearerAuthentication(BaseAuthentication):
    def authenticate(self, request):
        # Read as text: servers decode header bytes as latin-1, and DRF's helper re-encodes,
        # which fails on anything else a caller (or a test client) may put there.
        parts = request.META.get("HTTP_AUTHORIZATION", "").split()
        if not parts or parts[0].lower() != "bearer":
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Send one token: Authorization: Bearer <token>.")
        raw = parts[1]
        if raw.startswith(TOKEN_PREFIX):
            token = token_authenticate(raw)
            if token is not None and token.user.is_active:
                return token.user, token
            raise AuthenticationFailed("Unknown, expired or revoked token for this organization.")
        verified = access_token_verify(raw, issuer=issuer_of(request))
        if verified is None:
            raise AuthenticationFailed("Invalid or expired access token for this organization.")
        return verified

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
