"""URLs of the platform's own host (public schema)."""

from django.urls import include, path

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("", include("shared_apps.public_site.urls")),
]
