"""/api/v1/files/: upload, list, download and delete through tenant_apps.files' services and
selectors, so validation (size, sniffed type, name) and access checks match the UI."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
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


_EXAMPLE_FILE = {
    "id": "0f8e6c2a-4b1d-4e8a-9c3f-2d7b5a1e6f90",
    "name": "diagram.png",
    "content_type": "image/png",
    "size": 48213,
    "uploaded_by": "alice@acme.test",
    "created_at": "2026-12-01T09:30:00Z",
}
_A_FILE = OpenApiExample("A file", value=_EXAMPLE_FILE, response_only=True)


@extend_schema_view(
    list=extend_schema(examples=[OpenApiExample("A page", value=_EXAMPLE_FILE)]),
    retrieve=extend_schema(examples=[_A_FILE]),
    create=extend_schema(
        examples=[
            OpenApiExample(
                "Upload", value={"file": "diagram.png (binary)"}, request_only=True,
                media_type="multipart/form-data",
            ),
            _A_FILE,
        ]
    ),
)  # fmt: skip
class FileViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = StoredFileSerializer
    parser_classes = [MultiPartParser]  # an upload is multipart, never JSON
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    # A UUID's shape, so any other id is the catch-all's 404 (urls.py), never a 422 from
    # the lookup.
    lookup_value_regex = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
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
