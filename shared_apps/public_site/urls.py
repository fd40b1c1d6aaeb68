from django.urls import path

from shared_apps.public_site import views

app_name = "public_site"

urlpatterns = [
    path("", views.home, name="home"),
    path("find/", views.find_organization, name="find-organization"),
    path("signup/", views.workspace_signup, name="signup"),
]
