from django.urls import path

from tenant_apps.branding import views

app_name = "branding"

urlpatterns = [
    path("settings/branding/", views.branding_settings, name="settings"),
    path("settings/branding/logo/", views.logo_upload, name="logo-upload"),
    path("settings/branding/logo/remove/", views.logo_remove, name="logo-remove"),
    path("branding/logo/<str:filename>", views.logo, name="logo"),
]
