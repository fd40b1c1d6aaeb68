"""The tenant URLconf, with the project list served to anonymous visitors: the benchmark
measures routing and the view's own query, not sign-in."""

from inspect import unwrap

from django.urls import path

from config.urls_tenant import urlpatterns as tenant_urlpatterns
from tenant_apps.tracker.views import project_list

urlpatterns = [path("", unwrap(project_list)), *tenant_urlpatterns]
