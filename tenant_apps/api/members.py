"""/api/v1/members/ and /api/v1/invitations/ (admins): the accounts services the members
page uses, so the rules (owners only make owners, one owner remains…) are the same."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tenant_apps.accounts import selectors, services
from tenant_apps.accounts.models import Invitation
from tenant_apps.accounts.roles import Role
from tenant_apps.api.permissions import IsAdmin


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "email", "full_name", "role", "is_active", "date_joined"]
        read_only_fields = ["id", "email", "full_name", "is_active", "date_joined"]


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


_EXAMPLE_MEMBER = {
    "id": 3,
    "email": "carol@acme.test",
    "full_name": "Carol",
    "role": "admin",
    "is_active": True,
    "date_joined": "2026-11-02T08:00:00Z",
}
_A_MEMBER = OpenApiExample("A member", value=_EXAMPLE_MEMBER, response_only=True)
_EXAMPLE_INVITATION = {
    "id": 12,
    "email": "dave@example.com",
    "role": "member",
    "state": "pending",
    "invited_by": "alice@acme.test",
    "created_at": "2026-12-01T09:30:00Z",
    "expires_at": "2026-12-08T09:30:00Z",
}
_AN_INVITATION = OpenApiExample("An invitation", value=_EXAMPLE_INVITATION, response_only=True)


@extend_schema_view(
    list=extend_schema(examples=[OpenApiExample("A page", value=_EXAMPLE_MEMBER)]),
    retrieve=extend_schema(examples=[_A_MEMBER]),
)
class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAdmin]
    serializer_class = MemberSerializer
    filterset_fields = ["role", "is_active"]
    ordering_fields = ["id", "email", "date_joined"]

    def get_queryset(self):
        return selectors.members_list()

    @extend_schema(
        request=RoleSerializer,
        responses=MemberSerializer,
        examples=[
            OpenApiExample("Make an admin", value={"role": "admin"}, request_only=True),
            _A_MEMBER,
        ],
    )
    @action(detail=True, methods=["post"])
    def role(self, request, pk=None):
        member = self.get_object()
        serializer = RoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.member_change_role(
            member=member, role=serializer.validated_data["role"], changed_by=request.user
        )
        return Response(MemberSerializer(member).data)

    @extend_schema(
        request=None,
        responses=MemberSerializer,
        examples=[OpenApiExample("Deactivated", value={**_EXAMPLE_MEMBER, "is_active": False})],
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        member = self.get_object()
        services.member_deactivate(member=member, deactivated_by=request.user)
        return Response(MemberSerializer(member).data)


class InvitationSerializer(serializers.ModelSerializer):
    invited_by = serializers.EmailField(source="invited_by.email", read_only=True, default=None)
    state = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "state", "invited_by", "created_at", "expires_at"]
        read_only_fields = ["id", "state", "invited_by", "created_at", "expires_at"]


@extend_schema_view(
    list=extend_schema(examples=[OpenApiExample("A page", value=_EXAMPLE_INVITATION)]),
    retrieve=extend_schema(examples=[_AN_INVITATION]),
    create=extend_schema(
        examples=[
            OpenApiExample(
                "Invite", value={"email": "dave@example.com", "role": "member"},
                request_only=True,
            ),
            _AN_INVITATION,
        ]
    ),
)  # fmt: skip
class InvitationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Open invitations; DELETE revokes one, POST …/resend/ sends it again."""

    permission_classes = [IsAdmin]
    serializer_class = InvitationSerializer
    ordering_fields = ["id", "created_at", "expires_at"]

    def get_queryset(self):
        return selectors.invitations_open()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.member_invite(**serializer.validated_data, invited_by=request.user)
        return Response(self.get_serializer(invitation).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Invitation) -> None:
        services.invitation_revoke(invitation=instance)

    @extend_schema(request=None, responses=InvitationSerializer, examples=[_AN_INVITATION])
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        invitation = services.invitation_resend(invitation=self.get_object())
        return Response(InvitationSerializer(invitation).data)
