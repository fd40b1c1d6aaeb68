"""config.urls_public (its error handlers included) plus /fail/<status>/."""

from django.urls import path

from config.urls_public import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls_public import urlpatterns as project_urlpatterns
from tests.shared_apps.tenants.error_urls_tenant import fail

urlpatterns = [path("fail/<int:status>/", fail), *project_urlpatterns]
