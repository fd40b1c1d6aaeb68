"""/api/v1/tokens/: a member's personal API tokens (an admin sees the organization's)."""

from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from shared_apps.tenants.audit import Actor
from tenant_apps.api.models import ApiToken
from tenant_apps.api.tokens import MAX_LIFETIME_DAYS, token_create, token_revoke, tokens_visible_to


class ApiTokenSerializer(serializers.ModelSerializer):
    user = serializers.EmailField(source="user.email", read_only=True)
    lifetime_days = serializers.IntegerField(
        write_only=True, min_value=1, max_value=MAX_LIFETIME_DAYS, default=90
    )

    class Meta:
        model = ApiToken
        fields = [
            "id", "name", "scope", "prefix", "user", "created_at", "expires_at",
            "last_used_at", "revoked_at", "lifetime_days",
        ]  # fmt: skip
        read_only_fields = [
            "id", "prefix", "user", "created_at", "expires_at", "last_used_at", "revoked_at"
        ]  # fmt: skip


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ApiTokenSerializer
    filterset_fields = ["scope"]
    ordering_fields = ["id", "created_at", "expires_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return ApiToken.objects.none()
        return tokens_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, raw = token_create(
            user=request.user,
            name=serializer.validated_data["name"],
            scope=serializer.validated_data.get("scope", ApiToken.Scope.READ),
            lifetime_days=serializer.validated_data["lifetime_days"],
            actor=Actor.from_request(request),
        )
        response = Response(self.get_serializer(token).data, status=status.HTTP_201_CREATED)
        response.meta = {"token": raw, "note": "Shown once: store it now."}
        return response

    def perform_destroy(self, instance: ApiToken) -> None:
        token_revoke(token=instance, by=self.request.user, actor=Actor.from_request(self.request))
