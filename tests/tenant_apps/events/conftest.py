import uuid

import pytest

from tenant_apps.events.transports import RedisStreamsTransport, events_redis


@pytest.fixture
def redis_transport(settings):
    """Redis Streams on the test Redis, under a prefix of this test's own (removed after)."""
    prefix = f"{settings.EVENTS_REDIS_PREFIX}{uuid.uuid4().hex[:8]}:"
    settings.EVENTS_REDIS_PREFIX = prefix
    client = events_redis()
    yield RedisStreamsTransport(client=client, prefix=prefix)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
