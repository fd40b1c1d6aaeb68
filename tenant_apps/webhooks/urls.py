from django.urls import path

from tenant_apps.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("webhooks/", views.endpoint_list, name="list"),
    path("webhooks/<int:pk>/", views.endpoint_detail, name="detail"),
    path("webhooks/<int:pk>/rotate-secret/", views.endpoint_rotate_secret, name="rotate"),
    path("webhooks/<int:pk>/enable/", views.endpoint_enable, name="enable"),
    path("webhooks/<int:pk>/delete/", views.endpoint_delete, name="delete"),
    path("webhooks/<int:pk>/deliveries/", views.endpoint_deliveries, name="deliveries"),
    path("webhooks/deliveries/<int:pk>/redeliver/", views.delivery_redeliver, name="redeliver"),
]
