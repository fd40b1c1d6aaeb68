import uuid

import pytest

from shared_apps.usage.meters import usage_redis


@pytest.fixture(autouse=True)
def usage_prefix(settings):
    """The meters under a prefix of this test's own (removed after)."""
    prefix = f"{settings.USAGE_REDIS_PREFIX}{uuid.uuid4().hex[:8]}:"
    settings.USAGE_REDIS_PREFIX = prefix
    yield prefix
    client = usage_redis()
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
