"""With the connection pool on (production), the entrypoint's wait for the database still
fails with the server's own answer, not the pool's timeout."""

import os
import subprocess
import sys

from tests.deploy.conftest import ROOT


def test_waiting_for_a_refusing_database_reports_the_refusal():
    result = subprocess.run(
        [sys.executable, "manage.py", "wait_for_services", "--timeout", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "SECRET_KEY": "test-only-key-for-reading-production-settings-in-a-subprocess",
            "DATABASE_URL": "postgres://nobody:nothing@127.0.0.1:1/nothing",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "DATABASE_POOL": "true",
        },
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Connection refused" in output, output
    assert "couldn't get a connection" not in output, output
