"""Outside /api/: the API tokens settings page and the published JWT keys."""

from django.urls import path

from tenant_apps.api import views
from tenant_apps.api.auth_endpoints import jwks_view

app_name = "api-settings"

urlpatterns = [
    path(".well-known/jwks.json", jwks_view, name="jwks"),
    path("settings/api-tokens/", views.token_list, name="tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", views.token_revoke_view, name="revoke"),
]
