from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "shared_apps.tenants"
    label = "tenants"
    verbose_name = "Organizations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # App loading: these import models, so they are imported once the registry is ready.
        from django.core.signals import request_finished

        from shared_apps.tenants import receivers
        from shared_apps.tenants.routing.middleware import reset_tenant_after_request
        from shared_apps.tenants.runtime import task_base

        receivers.connect()
        task_base.connect_signals()
        request_finished.connect(reset_tenant_after_request, dispatch_uid="tenantry-reset-tenant")
