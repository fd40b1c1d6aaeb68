from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "shared_apps.platform"
    label = "platform"
    verbose_name = "Platform console"
