from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tenant_apps.api"
    label = "api"
    verbose_name = "Tenant API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the Bearer scheme with drf-spectacular (extensions register on import).
        from tenant_apps.api import schema  # noqa: F401
