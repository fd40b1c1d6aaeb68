from django.apps import AppConfig


class FailedTasksConfig(AppConfig):
    name = "shared_apps.failed_tasks"
    label = "failed_tasks"
    verbose_name = "Failed background tasks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shared_apps.failed_tasks import receivers

        receivers.connect()
