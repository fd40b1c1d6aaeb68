"""/api/v1/auth/token/ (+ refresh/, revoke/): RS256 access tokens and their refresh tokens;
/.well-known/jwks.json: the public keys that verify them."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, AuthenticationFailed, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.api.authentication import issuer_of
from tenant_apps.api.credentials import credential_kind, credential_scope
from tenant_apps.api.jwt_keys import jwks
from tenant_apps.api.jwt_tokens import (
    JwtUnavailable,
    access_token_issue,
    refresh_token_issue,
    refresh_token_revoke,
    refresh_token_use,
)
from tenant_apps.api.models import ApiToken
from tenant_apps.api.permissions import IsMemberAnyScope


class SigningUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Access tokens are not available: no signing key is installed."
    default_code = "jwt_unavailable"


class RefreshSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(max_length=200)


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField()
    scope = serializers.ChoiceField(choices=["read", "read-write"])
    refresh_token = serializers.CharField()


def _token_pair(request, user, scope: str, api_token: ApiToken | None) -> Response:
    try:
        access, lifetime = access_token_issue(user=user, scope=scope, issuer=issuer_of(request))
    except JwtUnavailable as error:
        raise SigningUnavailable from error
    return Response(
        {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": scope,
            "refresh_token": refresh_token_issue(user=user, scope=scope, api_token=api_token),
        }
    )


class AccessTokenView(APIView):
    """Exchange this request's session or API token for a short-lived JWT of the same scope."""

    permission_classes = [IsMemberAnyScope]

    @extend_schema(request=None, responses=TokenPairSerializer)
    def post(self, request):
        if credential_kind(request) == "jwt":
            raise PermissionDenied("Exchange a session or an API token, not an access token.")
        api_token = request.auth if isinstance(request.auth, ApiToken) else None
        return _token_pair(request, request.user, credential_scope(request), api_token)


class RefreshView(APIView):
    """Spend a refresh token (once) for a new access token and a new refresh token."""

    authentication_classes = []
    permission_classes = []

    def get_authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'  # a refused refresh token is a 401, as any credential

    @extend_schema(request=RefreshSerializer, responses=TokenPairSerializer)
    def post(self, request):
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        spent = refresh_token_use(serializer.validated_data["refresh_token"])
        if spent is None:
            raise AuthenticationFailed("Unknown, used, expired or revoked refresh token.")
        return _token_pair(request, spent.user, spent.scope, spent.api_token)


class RevokeView(APIView):
    """Revoke a refresh token; always 204, whether it was live or not."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(request=RefreshSerializer, responses={204: None})
    def post(self, request):
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refresh_token_revoke(serializer.validated_data["refresh_token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@require_GET
def jwks_view(request: HttpRequest) -> JsonResponse:
    """The public keys that verify this platform's access tokens (RFC 7517)."""
    response = JsonResponse(jwks())
    response["Cache-Control"] = "public, max-age=60"
    return response
