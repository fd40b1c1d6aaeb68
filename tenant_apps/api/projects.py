"""/api/v1/projects/: the tracker's projects, through its selectors and services."""

import datetime

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from tenant_apps.tracker.models import Project
from tenant_apps.tracker.selectors import projects_list
from tenant_apps.tracker.services import project_create


class ProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "name", "description", "task_count", "open_count", "created_at"]
        read_only_fields = ["id", "task_count", "open_count", "created_at"]

    task_count = serializers.IntegerField(read_only=True, default=0)
    open_count = serializers.IntegerField(read_only=True, default=0)

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("A project needs a name.")
        return value


class StorableDateTimeField(IsoDateTimeField):
    """ISO 8601, with an offset PostgreSQL accepts (±15:59; Python allows ±23:59, which
    the database refused with a 500, found by schemathesis)."""

    def clean(self, value):
        cleaned = super().clean(value)
        offset = cleaned.utcoffset() if cleaned else None
        if offset is not None and abs(offset) >= datetime.timedelta(hours=16):
            raise DjangoValidationError("The UTC offset must be between -15:59 and +15:59.")
        return cleaned


class StorableDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = StorableDateTimeField


class ProjectFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    created_after = StorableDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = StorableDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Project
        fields = ["name", "created_after", "created_before"]


_EXAMPLE_PROJECT = {
    "id": 42, "name": "Rocket skates", "description": "", "task_count": 3, "open_count": 2,
    "created_at": "2026-12-01T09:30:00Z",
}  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        examples=[
            OpenApiExample(
                "A page",
                value=_EXAMPLE_PROJECT,
                response_only=True,
            )
        ]
    ),
    retrieve=extend_schema(examples=[OpenApiExample("A project", value=_EXAMPLE_PROJECT)]),
    create=extend_schema(
        examples=[
            OpenApiExample("New project", value={"name": "Rocket skates"}, request_only=True),
            OpenApiExample("Created", value=_EXAMPLE_PROJECT, response_only=True),
        ]
    ),
)
class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return projects_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = project_create(**serializer.validated_data, created_by=request.user)
        created = projects_list().get(pk=project.pk)  # with its counts, as the list shows it
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)
