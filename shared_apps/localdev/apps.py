from django.apps import AppConfig


class LocalDevConfig(AppConfig):
    name = "shared_apps.localdev"
    label = "localdev"
    verbose_name = "Local development"
