"""Outside /api/v1/: the API tokens settings page, the published JWT keys, the OpenAPI
schema and its docs page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from shared_apps.api.schema import SwaggerView
from tenant_apps.api import views
from tenant_apps.api.auth_endpoints import jwks_view

app_name = "api-settings"

urlpatterns = [
    path(".well-known/jwks.json", jwks_view, name="jwks"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="api-settings:schema"), name="docs"),
    path("settings/api-tokens/", views.token_list, name="tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", views.token_revoke_view, name="revoke"),
]
