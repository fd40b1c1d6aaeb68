"""URLs of every organization's host (the organization's schema)."""

from django.urls import include, path

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("", include("tenant_apps.accounts.urls")),
    path("", include("tenant_apps.tracker.urls")),
    path("", include("tenant_apps.notifications.urls")),
    path("", include("tenant_apps.files.urls")),
]
