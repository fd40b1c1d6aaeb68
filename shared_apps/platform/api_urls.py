"""/api/schema/ and /api/docs/ on the public host: the platform API's own OpenAPI schema
(the organization hosts serve theirs at the same paths: tenant_apps/api/settings_urls.py)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from shared_apps.api.schema import SwaggerView

app_name = "platform-api"

_TITLE = "Tenantry platform API"
_SCHEMA = SpectacularAPIView.as_view(
    # Only the platform's endpoints, at the paths the public host serves them.
    urlconf=[path("platform/", include("shared_apps.platform.urls"))],
    custom_settings={
        "TITLE": _TITLE,
        "DESCRIPTION": "The platform's API on its own host, for billing and sign-up "
        "integrations. See docs/api.md#the-platform-api.",
        "SCHEMA_PATH_PREFIX": "/platform/api/v1",
    },
)

urlpatterns = [
    path("schema/", _SCHEMA, name="schema"),
    path("docs/", SwaggerView.as_view(url_name="platform-api:schema", title=_TITLE), name="docs"),
]
