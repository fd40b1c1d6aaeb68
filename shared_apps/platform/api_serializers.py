"""What the platform API answers (OrganizationSerializer renders every organization), and
the bodies it documents. Request bodies are validated by the services the console and the
CLI use (one validation); the request serializers here describe them for the schema only."""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shared_apps.tenants.models import Organization
from shared_apps.tenants.selectors import owner_invitation_expires_at


class PendingOwnerSerializer(serializers.Serializer):
    email = serializers.EmailField()
    invited_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class OrganizationSerializer(serializers.ModelSerializer):
    domains = serializers.SerializerMethodField()
    provisioning_error = serializers.SerializerMethodField()
    pending_owner = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            "name", "slug", "status", "plan", "domains", "provisioning_error",
            "pending_owner", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_domains(self, organization: Organization) -> list[str]:
        return sorted(d.domain for d in organization.domains.all())

    def get_provisioning_error(self, organization: Organization) -> str | None:
        return organization.provisioning_error or None

    @extend_schema_field(PendingOwnerSerializer(allow_null=True))
    def get_pending_owner(self, organization: Organization) -> dict[str, Any] | None:
        if not organization.pending_owner_email:
            return None
        expires_at = owner_invitation_expires_at(organization)
        return {
            "email": organization.pending_owner_email,
            "invited_at": organization.owner_invited_at
            and organization.owner_invited_at.isoformat(),
            "expires_at": expires_at and expires_at.isoformat(),
        }


def _plan_field(**kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=list(settings.PLATFORM_PLANS), **kwargs)


class OrganizationCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    slug = serializers.SlugField()
    owner_email = serializers.EmailField()
    plan = _plan_field(required=False)


class OrganizationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    plan = _plan_field(required=False)


class OwnerInvitationSerializer(serializers.Serializer):
    email = serializers.EmailField()


class ExportSerializer(serializers.Serializer):
    export = serializers.IntegerField()
    status = serializers.CharField()


class DeletedSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    status = serializers.CharField()


class UsageDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    api_calls = serializers.IntegerField()
    events = serializers.IntegerField()
    active_members = serializers.IntegerField()
    storage_bytes = serializers.IntegerField()
    task_seconds = serializers.FloatField()


class UsageSerializer(serializers.Serializer):
    organization = serializers.SlugField()
    since = serializers.DateField()
    until = serializers.DateField()
    days = UsageDaySerializer(many=True)
