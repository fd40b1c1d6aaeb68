"""The platform API (public host), for billing and sign-up integrations, on the tenant API's
stack: DRF, the same envelope and exception mapping (shared_apps/api), its own schema.

Authenticated by platform API tokens (`Authorization: Bearer tnt_…`, api_auth.py). Every
write goes through the same services as the console and the CLI (one validation, one
audit), audited as `api-token:<name>`.
"""

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.platform import selectors
from shared_apps.platform.api_auth import (
    ObjectJSONParser,
    PlatformTokenAuthentication,
    PlatformTokenScope,
)
from shared_apps.platform.api_serializers import (
    DeletedSerializer,
    ExportSerializer,
    OrganizationCreateSerializer,
    OrganizationSerializer,
    OrganizationUpdateSerializer,
    OwnerInvitationSerializer,
    UsageSerializer,
)
from shared_apps.tenants.audit import Actor
from shared_apps.tenants.client_ip import client_ip
from shared_apps.tenants.lifecycle import exports, owners
from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.lifecycle.tasks import export_organization
from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning import services as provisioning
from shared_apps.tenants.validation import organization_filter_validate
from shared_apps.usage.selectors import usage_as_json, usage_for, usage_range_validate


class PlatformAPIView(APIView):
    authentication_classes = [PlatformTokenAuthentication]
    permission_classes = [PlatformTokenScope]
    parser_classes = [ObjectJSONParser]
    throttle_classes: list = []  # staff-made integration tokens; plan limits are per organization

    def initial(self, request, *args: Any, **kwargs: Any) -> None:
        if not getattr(request.tenant, "is_public", False):
            raise NotFound("The platform API lives on the platform host.")
        super().initial(request, *args, **kwargs)

    @property
    def actor(self) -> Actor:
        return Actor(
            label=f"api-token:{self.request.auth.name}", ip_address=client_ip(self.request)
        )

    def organization(self, slug: str) -> Organization:
        found = Organization.objects.prefetch_related("domains").filter(slug=slug).first()
        if found is None:
            raise NotFound(f"No organization with slug “{slug}”.")
        return found


class OrganizationListView(PlatformAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Name, slug or domain contains"),
            OpenApiParameter("status", str, enum=Organization.Status.values),
            OpenApiParameter("plan", str),
            OpenApiParameter("page", int),
        ],
        responses=OrganizationSerializer(many=True),
    )
    def get(self, request):
        filters = organization_filter_validate(
            query=request.GET.get("q", ""), status=request.GET.get("status", ""),
            plan=request.GET.get("plan", ""),
        )  # fmt: skip
        page = selectors.organizations_for_console(
            query=filters.query, status=filters.status, plan=filters.plan,
            page=request.GET.get("page", 1),
        )  # fmt: skip
        response = Response(OrganizationSerializer(page.object_list, many=True).data)
        response.meta = {
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
        }
        return response

    @extend_schema(request=OrganizationCreateSerializer, responses={202: OrganizationSerializer})
    def post(self, request):
        data = request.data
        organization = provisioning.organization_request(
            name=data.get("name", ""), slug=data.get("slug", ""),
            owner_email=data.get("owner_email", ""), plan=data.get("plan"), actor=self.actor,
        )  # fmt: skip
        return Response(OrganizationSerializer(organization).data, status=status.HTTP_202_ACCEPTED)


class OrganizationView(PlatformAPIView):
    @extend_schema(responses=OrganizationSerializer)
    def get(self, request, slug: str):
        return Response(OrganizationSerializer(self.organization(slug)).data)

    @extend_schema(request=OrganizationUpdateSerializer, responses=OrganizationSerializer)
    def patch(self, request, slug: str):
        found = self.organization(slug)
        with transaction.atomic():
            if "name" in request.data:
                lifecycle.organization_rename(
                    organization=found, name=str(request.data["name"]), actor=self.actor
                )
            if "plan" in request.data:
                lifecycle.organization_change_plan(
                    organization=found, plan=str(request.data["plan"]), actor=self.actor
                )
        return Response(OrganizationSerializer(found).data)

    @extend_schema(
        parameters=[OpenApiParameter("force", bool, description="Delete even if not archived")],
        responses=DeletedSerializer,
    )
    def delete(self, request, slug: str):
        lifecycle.organization_delete(
            organization=self.organization(slug),
            actor=self.actor,
            force=request.GET.get("force") == "true",
        )
        return Response({"slug": slug, "status": "deleted"})


_TRANSITIONS = {
    "suspend": lifecycle.organization_suspend,
    "reactivate": lifecycle.organization_reactivate,
    "archive": lifecycle.organization_archive,
    "restore": lifecycle.organization_restore,
}


class OrganizationTransitionView(PlatformAPIView):
    """POST …/{slug}/{action}/: suspend, reactivate, archive or restore."""

    @extend_schema(
        request=None,
        responses=OrganizationSerializer,
        parameters=[OpenApiParameter("action", str, "path", enum=list(_TRANSITIONS))],
    )
    def post(self, request, slug: str, action: str):
        found = self.organization(slug)
        if action not in _TRANSITIONS:
            known = ", ".join([*_TRANSITIONS, "export", "owner-invitation"])
            raise NotFound(f"Unknown action “{action}”; one of: {known}.")
        return Response(
            OrganizationSerializer(_TRANSITIONS[action](organization=found, actor=self.actor)).data
        )


class OwnerInvitationView(PlatformAPIView):
    @extend_schema(request=OwnerInvitationSerializer, responses=OrganizationSerializer)
    def post(self, request, slug: str):
        invited = owners.organization_owner_invite(
            organization=self.organization(slug), email=request.data.get("email"), actor=self.actor
        )
        return Response(OrganizationSerializer(invited).data)


class ExportView(PlatformAPIView):
    @extend_schema(request=None, responses={202: ExportSerializer})
    def post(self, request, slug: str):
        export = exports.export_request(organization=self.organization(slug), actor=self.actor)
        transaction.on_commit(lambda: export_organization.delay(export.pk))
        return Response(
            {"export": export.pk, "status": export.status}, status=status.HTTP_202_ACCEPTED
        )


class UsageView(PlatformAPIView):
    """Per-day usage (what billing reads): `?since=YYYY-MM-DD&until=YYYY-MM-DD`."""

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="First day (ISO date), inclusive"),
            OpenApiParameter("until", str, description="Last day (ISO date), inclusive"),
        ],
        responses={200: UsageSerializer},
    )
    def get(self, request, slug: str):
        found = self.organization(slug)
        since, until = usage_range_validate(
            since=request.query_params.get("since", ""),
            until=request.query_params.get("until", ""),
        )
        days = usage_for(found, since=since, until=until)
        return Response(
            {
                "organization": found.slug,
                "since": since.isoformat(),
                "until": until.isoformat(),
                "days": [usage_as_json(day) for day in days],
            }
        )
