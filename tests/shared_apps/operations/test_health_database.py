"""/readyz's database check with Django's psycopg pool, as config.settings.prod has it.

The test settings turn the pool off, so each test builds a pooled DatabaseWrapper of its
own (kept out of django.db.connections, as in tests/shared_apps/tenants/test_db_pool.py)
and closes its pool afterwards.
"""

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections
from django.db.utils import load_backend
from psycopg_pool import PoolTimeout

from shared_apps.operations import health

_aliases = itertools.count()


@pytest.fixture
def pooled_wrapper(db: None) -> Iterator[Callable[..., Any]]:
    """pooled_wrapper(**settings) → a DatabaseWrapper with a pool of its own (timeout 30 s,
    as a production DATABASE_POOL_TIMEOUT), the test database's settings overridden."""
    base = connections["default"].settings_dict
    backend = load_backend(base["ENGINE"])
    made: list[Any] = []

    def build(**overrides: Any) -> Any:
        options = {k: v for k, v in base["OPTIONS"].items() if k != "pool"}
        settings_dict = {
            **base,
            **overrides,
            "CONN_MAX_AGE": 0,
            "OPTIONS": {**options, "pool": {"min_size": 1, "max_size": 2, "timeout": 30}},
        }
        wrapper = backend.DatabaseWrapper(settings_dict, f"readiness_pool_{next(_aliases)}")
        made.append(wrapper)
        return wrapper

    yield build
    for wrapper in made:
        wrapper.close_pool()


def test_a_pooled_database_that_answers_is_ok(pooled_wrapper):
    wrapper = pooled_wrapper()
    assert wrapper.pool is not None

    assert health.check_database(wrapper) == health.OK
    assert health.check_database(wrapper) == health.OK  # the pool is opened only once


def test_an_unreachable_pooled_database_fails_within_the_checks_timeout(pooled_wrapper):
    """Not the pool's 30 s: the probe asks the pool for a connection with its own 2 s."""
    wrapper = pooled_wrapper(HOST="127.0.0.1", PORT="9")  # nothing listens on port 9

    with pytest.raises(PoolTimeout, match=r"after 2\.00 sec"):
        health.check_database(wrapper)
