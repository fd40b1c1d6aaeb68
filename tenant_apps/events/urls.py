from django.urls import path

from tenant_apps.events import views

app_name = "events"

urlpatterns = [
    path("audit/", views.audit_log, name="audit"),
]
