from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "tenant_apps.webhooks"
    label = "webhooks"
    verbose_name = "Outgoing webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tenant_apps.events.consumers import register_consumer
        from tenant_apps.webhooks.consumers import webhooks_consumer

        register_consumer(webhooks_consumer())
