"""The settings page for personal API tokens (HTML, outside /api/)."""

from django.urls import path

from tenant_apps.api import views

app_name = "api-settings"

urlpatterns = [
    path("settings/api-tokens/", views.token_list, name="tokens"),
    path("settings/api-tokens/<int:pk>/revoke/", views.token_revoke_view, name="revoke"),
]
