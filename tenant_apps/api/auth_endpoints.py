"""/api/v1/auth/token/ (RS256 access tokens) and /.well-known/jwks.json (their public keys)."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.api.authentication import issuer_of
from tenant_apps.api.credentials import credential_kind, credential_scope
from tenant_apps.api.jwt_keys import jwks
from tenant_apps.api.jwt_tokens import JwtUnavailable, access_token_issue
from tenant_apps.api.permissions import IsMemberAnyScope


class SigningUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Access tokens are not available: no signing key is installed."
    default_code = "jwt_unavailable"


class AccessTokenView(APIView):
    """Exchange this request's session or API token for a short-lived JWT of the same scope."""

    permission_classes = [IsMemberAnyScope]

    def post(self, request):
        if credential_kind(request) == "jwt":
            raise PermissionDenied("Exchange a session or an API token, not an access token.")
        scope = credential_scope(request)
        try:
            token, lifetime = access_token_issue(
                user=request.user, scope=scope, issuer=issuer_of(request)
            )
        except JwtUnavailable as error:
            raise SigningUnavailable from error
        return Response(
            {"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": scope}
        )


@require_GET
def jwks_view(request: HttpRequest) -> JsonResponse:
    """The public keys that verify this platform's access tokens (RFC 7517)."""
    response = JsonResponse(jwks())
    response["Cache-Control"] = "public, max-age=60"
    return response
