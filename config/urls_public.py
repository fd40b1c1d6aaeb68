"""URLs of the platform's own host (public schema)."""

from django.urls import include, path

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("platform/", include("shared_apps.platform.urls")),
    path("", include("shared_apps.public_site.urls")),
]
