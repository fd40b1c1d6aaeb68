"""/api/v1/files/: upload, list, download and delete through tenant_apps.files' services and
selectors, so validation (size, sniffed type, name) and access checks match the UI."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tenant_apps.files import selectors, services
from tenant_apps.files.downloads import download_response


class StoredFileSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    uploaded_by = serializers.EmailField(source="uploaded_by.email", read_only=True, default=None)
    created_at = serializers.DateTimeField(read_only=True)
    file = serializers.FileField(write_only=True)


class FileViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = StoredFileSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-f-]{36}"
    ordering_fields = ["created_at", "size", "name"]
    ordering = ["-created_at"]
    filterset_fields = ["content_type"]

    def get_queryset(self):
        return selectors.files_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            stored = services.file_upload(
                upload=serializer.validated_data["file"], uploaded_by=request.user
            )
        except DjangoValidationError as error:  # the reason is about the file, as on the page
            raise serializers.ValidationError({"file": error.messages}) from error
        return Response(self.get_serializer(stored).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance) -> None:
        services.file_delete(stored_file=instance, deleted_by=self.request.user)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, id=None):
        stored = selectors.file_for_member(user=request.user, public_id=id)
        if stored is None:
            raise Http404
        return download_response(stored)
