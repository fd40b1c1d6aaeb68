"""Included on every host (config/urls_public.py and urls_tenant.py) under /ui/."""

from django.conf import settings
from django.urls import path

from shared_apps.ui import views

app_name = "ui"
urlpatterns = [path("theme/", views.theme, name="theme")]
if "shared_apps.localdev" in settings.INSTALLED_APPS:  # dev and test settings only
    urlpatterns.append(path("components/", views.catalogue, name="catalogue"))
