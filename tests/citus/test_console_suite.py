"""The console's own tests, run on Citus (sizes, stats and pages over distributed schemas)."""

from tests.shared_apps.platform.test_console import *  # noqa: F403
