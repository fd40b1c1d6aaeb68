from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "shared_apps.tenants"
    label = "tenants"
    verbose_name = "Organizations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from shared_apps.tenants import receivers, task_base
        from shared_apps.tenants.middleware import reset_tenant_after_request

        receivers.connect()
        task_base.connect_signals()
        request_finished.connect(reset_tenant_after_request, dispatch_uid="tenantry-reset-tenant")
