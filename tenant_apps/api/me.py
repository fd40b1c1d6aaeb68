"""/api/v1/me/: who the credentials belong to, in this organization."""

from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.api.models import ApiToken


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "email", "full_name", "role"]
        read_only_fields = fields


class MeView(APIView):
    def get(self, request):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        response = Response(MeSerializer(request.user).data)
        response.meta = {
            "organization": request.tenant.slug,
            "credential": "api_token" if token else "session",
            "scope": token.scope if token else ApiToken.Scope.READ_WRITE,
        }
        return response
