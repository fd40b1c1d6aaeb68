"""URLs of every organization's host (the organization's schema)."""

from django.urls import include, path

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("ui/", include("shared_apps.ui.urls")),
    path("api/v1/", include("tenant_apps.api.urls")),
    path("", include("tenant_apps.api.settings_urls")),
    path("", include("tenant_apps.accounts.urls")),
    path("", include("tenant_apps.branding.urls")),
    path("", include("tenant_apps.tracker.urls")),
    path("", include("tenant_apps.notifications.urls")),
    path("", include("tenant_apps.files.urls")),
    path("", include("tenant_apps.events.urls")),
    path("", include("tenant_apps.webhooks.urls")),
]

# Error pages in the platform's layout (shared_apps/tenants/routing/error_pages.py).
handler400 = "shared_apps.tenants.routing.error_pages.bad_request"
handler403 = "shared_apps.tenants.routing.error_pages.permission_denied"
handler404 = "shared_apps.tenants.routing.error_pages.page_not_found"
handler500 = "shared_apps.tenants.routing.error_pages.server_error"
