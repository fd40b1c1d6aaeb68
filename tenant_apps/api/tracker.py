"""/api/v1/tasks/, /api/v1/comments/, /api/v1/tags/: the tracker through its selectors (the
lists, with their constant query counts) and services (validation, permissions, history,
events), so the API and the pages share one code path per operation."""

import django_filters
from django.db import transaction
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from tenant_apps.tracker import selectors, services
from tenant_apps.tracker.models import Comment, Project, Tag, Task


class TaskSerializer(serializers.ModelSerializer):
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.all())
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=selectors.assignable_members(), allow_null=True, required=False
    )
    tags = serializers.PrimaryKeyRelatedField(
        queryset=selectors.tags_list(), many=True, required=False
    )

    class Meta:
        model = Task
        fields = [
            "id", "project", "title", "description", "status", "priority", "assignee",
            "due_date", "tags", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_title(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("A task needs a title.")
        return value


class TaskFilter(django_filters.FilterSet):
    """Validates the query (422 on a bad value); selectors.tasks_list does the narrowing."""

    project = django_filters.NumberFilter()
    status = django_filters.ChoiceFilter(choices=Task.Status.choices)
    priority = django_filters.ChoiceFilter(choices=Task.Priority.choices)
    assignee = django_filters.NumberFilter()
    tag = django_filters.NumberFilter()
    due = django_filters.ChoiceFilter(choices=[(d, d) for d in selectors.DUE_CHOICES])
    search = django_filters.CharFilter(max_length=200)

    class Meta:
        model = Task
        fields = ["project", "status", "priority", "assignee", "tag", "due", "search"]

    def filter_queryset(self, queryset):
        given = {k: v for k, v in self.form.cleaned_data.items() if v not in (None, "")}
        for key in ("project", "assignee", "tag"):
            if key in given:
                given[key] = int(given[key])
        return selectors.tasks_list(filters=selectors.TaskFilters(**given))


_EXAMPLE_TASK = {
    "id": 101, "project": 42, "title": "Write the launch post", "description": "",
    "status": "todo", "priority": "high", "assignee": 3, "due_date": "2026-12-15",
    "tags": [5], "created_at": "2026-12-01T09:30:00Z", "updated_at": "2026-12-01T09:30:00Z",
}  # fmt: skip
_A_TASK = OpenApiExample("A task", value=_EXAMPLE_TASK, response_only=True)


@extend_schema_view(
    list=extend_schema(examples=[OpenApiExample("A page", value=_EXAMPLE_TASK)]),
    retrieve=extend_schema(examples=[_A_TASK]),
    create=extend_schema(
        examples=[
            OpenApiExample(
                "New task", request_only=True,
                value={"project": 42, "title": "Write the launch post", "priority": "high"},
            ),
            _A_TASK,
        ]
    ),
    partial_update=extend_schema(
        examples=[
            OpenApiExample("Done", value={"status": "done"}, request_only=True),
            OpenApiExample("Updated", value={**_EXAMPLE_TASK, "status": "done"},
                           response_only=True),
        ]
    ),
)  # fmt: skip
class TaskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Any member reads, creates and edits live tasks; deleting is for the task's creator
    or an admin (selectors.can_delete_task, asked by the service)."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    ordering_fields = ["created_at", "due_date", "title", "id"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.tasks_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = services.task_create(**serializer.validated_data, created_by=request.user)
        return Response(self._read(task.pk), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        task = self.get_object()
        serializer = self.get_serializer(task, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        tags = changes.pop("tags", None)
        with transaction.atomic():  # the fields and the tags change together or not at all
            if changes:
                task = services.task_update(task=task, actor=request.user, changes=changes)
            if tags is not None:
                services.task_tags_set(task=task, tags=tags, actor=request.user)
        return Response(self._read(task.pk))

    def perform_destroy(self, instance: Task) -> None:
        services.task_delete(task=instance, actor=self.request.user)

    def _read(self, pk: int) -> dict:
        task = selectors.task_get(pk=pk)
        if task is None:
            raise NotFound
        return self.get_serializer(task).data


class CommentSerializer(serializers.ModelSerializer):
    task = serializers.PrimaryKeyRelatedField(queryset=selectors.tasks_list())
    author = serializers.EmailField(source="author.email", read_only=True, default=None)

    class Meta:
        model = Comment
        fields = ["id", "task", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]

    def validate_body(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("A comment needs some text.")
        return value


_EXAMPLE_COMMENT = {
    "id": 9, "task": 101, "author": "alice@acme.test", "body": "Draft is in the doc.",
    "created_at": "2026-12-01T10:00:00Z",
}  # fmt: skip
_A_COMMENT = OpenApiExample("A comment", value=_EXAMPLE_COMMENT, response_only=True)


@extend_schema_view(
    list=extend_schema(examples=[OpenApiExample("A page", value=_EXAMPLE_COMMENT)]),
    retrieve=extend_schema(examples=[_A_COMMENT]),
    create=extend_schema(
        examples=[
            OpenApiExample("New comment", value={"task": 101, "body": "Draft is in the doc."},
                           request_only=True),
            _A_COMMENT,
        ]
    ),
)  # fmt: skip
class CommentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Comments on live tasks; `?task=` narrows the list to one task's."""

    serializer_class = CommentSerializer
    filterset_fields = ["task"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-id"]

    def get_queryset(self):
        return Comment.objects.filter(
            task__deleted_at__isnull=True, task__project__deleted_at__isnull=True
        ).select_related("author")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_create(**serializer.validated_data, author=request.user)
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "colour"]
        read_only_fields = ["id"]

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("A tag needs a name.")
        return value


_EXAMPLE_TAG = {"id": 5, "name": "launch", "colour": "#e11d48"}


@extend_schema_view(
    list=extend_schema(examples=[OpenApiExample("A page", value=_EXAMPLE_TAG)]),
    retrieve=extend_schema(examples=[OpenApiExample("A tag", value=_EXAMPLE_TAG)]),
    create=extend_schema(
        examples=[
            OpenApiExample("New tag", value={"name": "launch", "colour": "#e11d48"},
                           request_only=True),
            OpenApiExample("Created", value=_EXAMPLE_TAG, response_only=True),
        ]
    ),
)  # fmt: skip
class TagViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TagSerializer
    filterset_fields = {"name": ["icontains"]}
    ordering_fields = ["name", "id"]
    ordering = ["id"]

    def get_queryset(self):
        return selectors.tags_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tag = services.tag_create(**serializer.validated_data, actor=request.user)
        return Response(self.get_serializer(tag).data, status=status.HTTP_201_CREATED)
