"""config.settings.prod plus the deploy probe's tenant app at its v2 migrations: what the
rehearsal's migrate_tenants applies while the web role (plain config.settings.prod) serves."""

from config.settings.prod import *  # noqa: F403
from config.settings.prod import SHARED_APPS, TENANT_APPS

TENANT_APPS = [*TENANT_APPS, "tests.deploy.probe"]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
MIGRATION_MODULES = {"deploy_probe": "tests.deploy.probe.migrations_v2"}
