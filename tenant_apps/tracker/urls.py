from django.urls import path

from tenant_apps.tracker import views

app_name = "tracker"

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("summary.json", views.project_summary, name="project-summary"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/delete/", views.project_delete, name="project-delete"),
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/new/", views.task_create, name="task-create"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="task-delete"),
    path("tasks/<int:pk>/comments/", views.comment_create, name="comment-create"),
    path("tasks/<int:pk>/attachments/", views.attachment_create, name="attachment-create"),
    path(
        "tasks/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path(
        "tasks/<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.attachment_delete,
        name="attachment-delete",
    ),
    path("tags/", views.tag_create, name="tag-create"),
    path("trash/", views.trash, name="trash"),
    path("trash/projects/<int:pk>/restore/", views.project_restore, name="project-restore"),
    path("trash/tasks/<int:pk>/restore/", views.task_restore, name="task-restore"),
]
