from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "shared_apps.usage"
    label = "usage"
    verbose_name = "Usage metering"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shared_apps.usage import receivers

        receivers.connect()
