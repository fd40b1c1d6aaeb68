from django.apps import AppConfig


class FastPathDataConfig(AppConfig):
    """A data migration after the fast path app's: it must take the executor."""

    name = "tests.deploy.fastpath_data_app"
    label = "deploy_fastpath_data"
