"""A relay process SIGKILLed between publish and mark-sent: its events go out again after a
restart, consumers apply each once, and one entity's events stay in order.

The relay runs in a real subprocess (`relay_process.py`) on this test database, so the
outbox rows it reads are committed ones (written and removed on a connection of their own).
"""

import os
import sys
import time

import psycopg
import pytest
from django.conf import settings
from django.db import transaction
from django_tenants.utils import schema_context

from tenant_apps.events.consumers import AUDIT, Consumer, apply
from tenant_apps.events.models import AuditEntry, OutboxEvent
from tenant_apps.events.services import emit
from tenant_apps.tracker.models import Project
from tests.live import LiveProcess, server_dsn
from tests.shared_apps.tenants.celery_worker import committed, database_url

pytestmark = pytest.mark.django_db

STEPS = 3


@pytest.fixture
def committed_events(acme):
    """One project with STEPS events, committed; removed afterwards."""

    def write() -> int:
        with schema_context(acme.schema_name), transaction.atomic():
            project = Project.objects.create(name="Crash test")
            for step in range(STEPS):
                emit("tracker.project.created", entity=project, payload={"step": step})
            return project.pk

    project_id = committed(write)
    yield project_id

    def remove() -> None:
        with schema_context(acme.schema_name):
            OutboxEvent.objects.filter(entity_type="tracker.project", entity_id=project_id).delete()
            Project.objects.filter(pk=project_id).delete()

    committed(remove)


def unsent_outside(schema: str) -> int:
    """Unsent rows as another connection sees them (what is committed)."""
    with psycopg.connect(server_dsn(settings.DATABASES["default"]["NAME"])) as conn:
        return conn.execute(
            f'SELECT count(*) FROM "{schema}".events_outboxevent WHERE sent_at IS NULL'
        ).fetchone()[0]


def wait_backend_gone(pid: int) -> None:
    """PostgreSQL ends a killed client's session (and its advisory lock) once it notices."""
    with psycopg.connect(server_dsn("postgres"), autocommit=True) as conn:
        for _ in range(200):
            if not conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            time.sleep(0.05)
    pytest.fail(f"backend {pid} of the killed relay is still there")


def relay_process(schema: str, transport_args: list[str], *, pause: bool) -> LiveProcess:
    argv = [sys.executable, "-m", "tests.tenant_apps.events.relay_process", schema]
    argv += transport_args + (["--pause-after-publish"] if pause else [])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
    }
    return LiveProcess(argv, env)


@pytest.fixture(params=["redis", "kafka"])
def transport_under_test(request, settings):
    """(transport for this process, the relay process's arguments for the same broker)."""
    if request.param == "redis":
        transport = request.getfixturevalue("redis_transport")
        return transport, ["--redis-prefix", transport.prefix]
    transport = request.getfixturevalue("kafka_transport")
    bootstrap = request.getfixturevalue("kafka_bootstrap")
    return transport, ["--kafka-bootstrap", bootstrap, "--topic-prefix", transport.topic_prefix]


def drain(consumer, transport, *, expected: int, seconds: float = 20.0) -> int:
    """Deliveries applied by `consumer`: until `expected` came (Kafka's group join takes a
    moment), then a little longer, so that a duplicate would be counted too."""
    applied, deadline = 0, time.monotonic() + seconds
    while applied < expected and time.monotonic() < deadline:
        applied += _consume(consumer, transport, block_ms=500)
    return applied + _consume(consumer, transport, block_ms=1000)


def _consume(consumer, transport, *, block_ms: int) -> int:
    applied = 0
    for delivery in transport.read(
        group=consumer.name, domains=consumer.domains, count=100, block_ms=block_ms
    ):
        applied += apply(consumer, delivery)
        transport.ack(group=consumer.name, delivery=delivery)
    return applied


def test_a_relay_killed_after_publish_redelivers_on_restart_and_consumers_apply_once_in_order(
    acme, in_schema, committed_events, transport_under_test
):
    transport, transport_args = transport_under_test
    dying = relay_process(acme.schema_name, transport_args, pause=True)
    try:
        dying.wait_for(f"published {STEPS}")
        backend = int(next(line for line in dying.lines if line.startswith("backend")).split()[1])
        assert unsent_outside(acme.schema_name) == STEPS  # the broker has them, unmarked
    finally:
        os.killpg(dying.process.pid, 9)
        dying.process.wait(timeout=10)
    assert dying.process.returncode == -9
    wait_backend_gone(backend)
    assert unsent_outside(acme.schema_name) == STEPS

    restarted = relay_process(acme.schema_name, transport_args, pause=False)
    restarted.wait_for(f"relayed {STEPS}")
    assert restarted.process.wait(timeout=60) == 0
    assert unsent_outside(acme.schema_name) == 0

    seen: list[int] = []
    recorder = Consumer(
        name="order-recorder",
        domains=["tracker"],
        handle=lambda envelope: seen.append(envelope["data"]["step"]),
    )
    # Every event was delivered twice; each consumer applies it once, in emit order.
    assert drain(recorder, transport, expected=STEPS) == STEPS
    assert seen == list(range(STEPS))
    assert drain(AUDIT, transport, expected=STEPS) == STEPS
    with in_schema(acme):
        assert AuditEntry.objects.filter(entity_id=str(committed_events)).count() == STEPS
