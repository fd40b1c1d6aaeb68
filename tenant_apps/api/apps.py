from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tenant_apps.api"
    label = "api"
    verbose_name = "Tenant API"
    default_auto_field = "django.db.models.BigAutoField"
    # The Bearer scheme registers with drf-spectacular when tenant_apps.api.schema is
    # imported, which DRF's DEFAULT_SCHEMA_CLASS (its AutoSchema) does before any schema
    # is generated; not here: drf-spectacular was a third of every process's app loading.
