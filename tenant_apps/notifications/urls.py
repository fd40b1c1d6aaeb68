from django.urls import path

from tenant_apps.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/read-all/", views.notification_read_all, name="read-all"),
    path("notifications/announce/", views.announce, name="announce"),
    path("notifications/<int:pk>/read/", views.notification_read, name="read"),
]
