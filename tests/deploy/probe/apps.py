from django.apps import AppConfig


class ProbeConfig(AppConfig):
    """A tenant app used only by the deploy tests and the migration benchmark: its
    migrations come in variants (MIGRATION_MODULES), never touching the real apps'."""

    name = "tests.deploy.probe"
    label = "deploy_probe"
    default_auto_field = "django.db.models.BigAutoField"
