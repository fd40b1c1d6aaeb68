"""The console's own tests, run on Citus: pages, sizes and stats over distributed schemas,
and an organization requested from the console built by its task (not left
"provisioning")."""

from tests.shared_apps.platform.test_console import *  # noqa: F403
from tests.shared_apps.platform.test_provisioning_progress import *  # noqa: F403
