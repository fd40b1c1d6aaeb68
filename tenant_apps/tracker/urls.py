from django.urls import path

from tenant_apps.tracker import views

app_name = "tracker"

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("summary.json", views.project_summary, name="project-summary"),
]
