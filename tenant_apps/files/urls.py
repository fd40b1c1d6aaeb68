from django.urls import path

from tenant_apps.files import views

app_name = "files"

urlpatterns = [
    path("files/", views.file_list, name="list"),
    path("files/<uuid:public_id>/", views.file_download, name="download"),
    path("files/<uuid:public_id>/delete/", views.file_delete, name="delete"),
]
