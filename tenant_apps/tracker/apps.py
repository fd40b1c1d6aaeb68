from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tenant_apps.tracker"
    label = "tracker"
    verbose_name = "Tracker (demo product)"
    default_auto_field = "django.db.models.BigAutoField"
