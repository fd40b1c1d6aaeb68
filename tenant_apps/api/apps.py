from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tenant_apps.api"
    label = "api"
    verbose_name = "Tenant API"
    default_auto_field = "django.db.models.BigAutoField"
