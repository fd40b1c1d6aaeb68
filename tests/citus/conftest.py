"""The Citus part of the suite: runs against the coordinator of a real cluster.

    uv run python -m tests.citus.cluster -- uv run pytest tests/citus -n 0

Not collected by `uv run pytest` (pyproject's norecursedirs); outside a Citus cluster
every test here is skipped with a message saying how to run them. The tests use the
cluster's database as it is (`tests.citus.cluster` made it: the extension on every node,
the workers registered, schema-based sharding on) instead of a `test_` copy, which would
need all of that again; the session migrates it and makes Acme and Globex once.
"""

from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from shared_apps.tenants.db import citus
from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning import services as provisioning
from tests.live import server_dsn
from tests.shared_apps.platform.conftest import eager_tasks, staff, staff_client  # noqa: F401
from tests.support.accounts import PASSWORD, TEST_ORGANIZATIONS, owner_email

HERE = __file__.rsplit("/", 1)[0]
HOW = "uv run python -m tests.citus.cluster -- uv run pytest tests/citus -n 0"


def _on_citus() -> bool:
    try:
        with psycopg.connect(server_dsn(settings.DATABASES["default"]["NAME"])) as probe:
            row = probe.execute(citus._DETECT).fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    ours = [item for item in items if str(item.path).startswith(HERE)]
    if not ours:
        return
    skip = (
        None if _on_citus() else pytest.mark.skip(reason=f"needs a Citus coordinator; run: {HOW}")
    )
    for item in ours:
        item.add_marker(pytest.mark.citus)
        if skip is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker) -> Iterator[None]:
    """The cluster's own database, migrated, with Acme and Globex (made once per cluster)."""
    with django_db_blocker.unblock():
        call_command("migrate_tenants", workers=1, verbosity=0)
        for slug, name in TEST_ORGANIZATIONS.items():
            if not Organization.objects.filter(slug=slug).exists():
                provisioning.organization_create(
                    name=name, slug=slug, owner_email=owner_email(slug), owner_password=PASSWORD
                )
        connection.set_schema_to_public()
    yield


@pytest.fixture
def autocommit(django_db_blocker) -> Iterator[None]:
    """For a test whose writes must commit (moves, other processes): no test transaction."""
    with django_db_blocker.unblock():
        yield
        connection.set_schema_to_public()
