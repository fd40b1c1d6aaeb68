"""Test settings plus the probe tenant app, whose migrations variant is chosen by
PROBE_MIGRATIONS (v1, v2, failing, blocking, squashed, python_default). Used by
subprocesses of tests/deploy and by tests/bench/bench_migrate.py."""

from config.env import env
from config.settings.test import *  # noqa: F403
from config.settings.test import SHARED_APPS, TENANT_APPS

TENANT_APPS = [*TENANT_APPS, "tests.deploy.probe"]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
MIGRATION_MODULES = {
    "deploy_probe": "tests.deploy.probe.migrations_" + env.str("PROBE_MIGRATIONS", default="v1")
}
READINESS_CACHE_SECONDS = 0
