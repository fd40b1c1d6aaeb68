"""The probe settings plus the fast path's test apps (tests/deploy/test_fast_path.py), in
stages chosen by FASTPATH_STAGE: `initial` (the app's first migration), `schema` (all
its schema migrations), `data` (and a data migration after them). Only subprocesses of
that test use it: the project's migration graph never sees these apps."""

from config.env import env
from tests.deploy.settings_probe import *  # noqa: F403
from tests.deploy.settings_probe import MIGRATION_MODULES, SHARED_APPS, TENANT_APPS

_STAGE = env.str("FASTPATH_STAGE", default="schema")

TENANT_APPS = [*TENANT_APPS, "tests.deploy.fastpath_app"]
if _STAGE == "data":
    TENANT_APPS.append("tests.deploy.fastpath_data_app")
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
MIGRATION_MODULES = {
    **MIGRATION_MODULES,
    "deploy_fastpath": "tests.deploy.fastpath_app."
    + ("migrations_initial" if _STAGE == "initial" else "migrations"),
}
