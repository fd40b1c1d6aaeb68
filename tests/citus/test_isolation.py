"""Routing and isolation on Citus: the suite's own tests, run against the coordinator
(each organization served from its worker, seeing only its own data)."""

from tests.shared_apps.tenants.test_routing import *  # noqa: F403
from tests.tenant_apps.accounts.test_sign_in import *  # noqa: F403
from tests.tenant_apps.tracker.test_isolation import *  # noqa: F403
