from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Deploy-time machinery: schema migrations for every organization, health endpoints,
    the reverse proxy's certificate check. No models of its own."""

    name = "shared_apps.operations"
    label = "operations"
    verbose_name = "Operations"
