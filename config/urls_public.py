"""URLs of the platform's own host (public schema)."""

from django.urls import include, path

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("ui/", include("shared_apps.ui.urls")),
    path("platform/", include("shared_apps.platform.urls")),
    path("api/", include("shared_apps.platform.api_urls")),
    path("", include("shared_apps.public_site.urls")),
]

# Error pages in the platform's layout (shared_apps/tenants/routing/error_pages.py).
handler400 = "shared_apps.tenants.routing.error_pages.bad_request"
handler403 = "shared_apps.tenants.routing.error_pages.permission_denied"
handler404 = "shared_apps.tenants.routing.error_pages.page_not_found"
handler500 = "shared_apps.tenants.routing.error_pages.server_error"
