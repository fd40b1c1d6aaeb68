"""`manage.py dev` starts on Citus (its migrate step, the demo organizations by the
template path, web, WebSocket, worker and beat): the suite's own test, on a Citus
database of its own."""

from collections.abc import Iterator

import pytest

from tests.citus.cluster import scratch_database
from tests.shared_apps.localdev.test_dev_command import (  # noqa: F401
    test_dev_runs_web_websocket_worker_and_beat_and_ctrl_c_stops_them,
)


@pytest.fixture
def dev_database() -> Iterator[str]:
    with scratch_database("tenantry_citus_dev") as url:
        yield url
