from django.apps import AppConfig


class FastPathConfig(AppConfig):
    """A tenant app for the fast path's identity test (tests/deploy/test_fast_path.py),
    installed only by tests.deploy.settings_fastpath. Its migrations make the changes a
    product makes: add, alter, rename and remove fields, rename a model, indexes,
    constraints, a many-to-many."""

    name = "tests.deploy.fastpath_app"
    label = "deploy_fastpath"
    default_auto_field = "django.db.models.BigAutoField"
