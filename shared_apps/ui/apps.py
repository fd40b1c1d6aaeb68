from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "shared_apps.ui"
    label = "ui"
    verbose_name = "Design system"
