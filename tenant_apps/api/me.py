"""/api/v1/me/: who the credentials belong to, in this organization."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.api.credentials import credential_kind, credential_scope


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "email", "full_name", "role"]
        read_only_fields = fields


class MeView(APIView):
    @extend_schema(
        responses=MeSerializer,
        examples=[
            OpenApiExample(
                "The caller",
                value={"id": 1, "email": "alice@acme.test", "full_name": "Alice", "role": "owner"},
                description='meta: {"organization": "acme", "credential": "api_token", '
                '"scope": "read-write"}',
            )
        ],
    )
    def get(self, request):
        response = Response(MeSerializer(request.user).data)
        response.meta = {
            "organization": request.tenant.slug,
            "credential": credential_kind(request),
            "scope": credential_scope(request),
        }
        return response
