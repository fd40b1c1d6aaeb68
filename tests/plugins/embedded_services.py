"""Starts the embedded PostgreSQL / Redis for the test session when DATABASE_URL /
REDIS_URL are not set, and stops what it started when the session ends.

Loaded with `-p` (see pyproject.toml) so that it runs before pytest-django reads the
settings. Under pytest-xdist only the controller starts the servers; the workers find them
at the same socket paths.
"""

import os

import pytest

_started = None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    global _started
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    from config.env import DATA_DIR, embedded_services_needed
    from shared_apps.localdev.embedded import EmbeddedServices

    needed = embedded_services_needed()
    if any(needed.values()):
        _started = EmbeddedServices(DATA_DIR)
        _started.start(**needed)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _started is not None:
        _started.stop()
