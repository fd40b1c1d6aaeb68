"""Where the relay publishes and consumers read: Redis Streams (default) or Kafka.

Both carry the same JSON envelope (emit()), one stream or topic per domain
(`tracker`, `accounts`, ...), the organization's schema beside the payload (a stream
field, a Kafka header) so a consumer can refuse a message whose two disagree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import redis
from django.conf import settings
from django.utils.module_loading import import_string

from shared_apps.tenants.redis_clients import shared_client


@dataclass(frozen=True)
class Delivery:
    """One message as a consumer receives it; `ack()` it once applied."""

    organization: str
    envelope: dict[str, Any]
    ack_token: Any


class Transport(Protocol):
    def publish(self, envelopes: list[dict[str, Any]]) -> None:
        """Publish in the given order; return only once the broker has them all."""

    def read(
        self, *, group: str, domains: list[str], count: int, block_ms: int
    ) -> Iterator[Delivery]:
        """Deliveries for consumer group `group`, unacknowledged ones first."""

    def ack(self, *, group: str, delivery: Delivery) -> None: ...


def domain_of(envelope: dict[str, Any]) -> str:
    return envelope["type"].split(".", 1)[0]


def events_redis() -> redis.Redis:
    return shared_client(settings.EVENTS_REDIS_URL)


class RedisStreamsTransport:
    """A stream per domain, `<EVENTS_REDIS_PREFIX>stream:<domain>`; consumer groups read it."""

    def __init__(self, client: redis.Redis | None = None, prefix: str | None = None) -> None:
        self.client = client or events_redis()
        self.prefix = settings.EVENTS_REDIS_PREFIX if prefix is None else prefix
        # (group, streams) whose own pending messages this process has drained: the next
        # reads skip the "0" pass and the group creation (one round trip, not three).
        self._recovered: set[tuple[str, tuple[str, ...]]] = set()

    def stream(self, domain: str) -> str:
        return f"{self.prefix}stream:{domain}"

    def publish(self, envelopes: list[dict[str, Any]]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for envelope in envelopes:
            pipe.xadd(
                self.stream(domain_of(envelope)),
                {
                    "id": envelope["id"],
                    "organization": envelope["organization"]["schema"],
                    "payload": json.dumps(envelope, separators=(",", ":")),
                },
                maxlen=settings.EVENTS_REDIS_STREAM_MAXLEN,
                approximate=True,
            )
        pipe.execute()

    def read(
        self, *, group: str, domains: list[str], count: int, block_ms: int
    ) -> Iterator[Delivery]:
        streams = [self.stream(domain) for domain in domains]
        key = (group, tuple(streams))
        if key not in self._recovered:
            self._create_groups(group, streams)
        # "0" first: what this consumer read before and never acknowledged (a crash
        # between apply and ack), until none is left; then only ">" for new messages.
        for start in ("0", ">") if key not in self._recovered else (">",):
            response = self.client.xreadgroup(
                group,
                "relay-consumer",
                dict.fromkeys(streams, start),
                count=count,
                block=(block_ms or None) if start == ">" else None,
            )
            if start == "0" and not any(messages for _stream, messages in response or []):
                self._recovered.add(key)
            for stream, messages in response or []:
                for message_id, fields in messages:
                    yield Delivery(
                        organization=fields[b"organization"].decode(),
                        envelope=json.loads(fields[b"payload"]),
                        ack_token=(stream, message_id),
                    )

    def _create_groups(self, group: str, streams: list[str]) -> None:
        for stream in streams:
            try:
                self.client.xgroup_create(stream, group, id="0", mkstream=True)
            except redis.ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise

    def ack(self, *, group: str, delivery: Delivery) -> None:
        stream, message_id = delivery.ack_token
        self.client.xack(stream, group, message_id)


class KafkaTransport:
    """A topic per domain, `<EVENTS_KAFKA_TOPIC_PREFIX><domain>`; key = the entity.

    The key is `<schema>/<entity type>/<entity id>`: row ids restart at 1 in every
    schema, so the bare id would not name one entity. Same key, same partition, so an
    entity's events keep their order. The organization travels in the `organization`
    header as well as in the payload. Offsets are committed only after a consumer applied
    the message (at-least-once, like the Redis streams).
    """

    def __init__(
        self,
        config: dict[str, Any] | None = None,
        topic_prefix: str | None = None,
        consumer_config: dict[str, Any] | None = None,
    ) -> None:
        from confluent_kafka import Producer

        self.config = dict(settings.EVENTS_KAFKA_CONFIG if config is None else config)
        self.consumer_config = dict(
            settings.EVENTS_KAFKA_CONSUMER_CONFIG if consumer_config is None else consumer_config
        )
        self.topic_prefix = (
            settings.EVENTS_KAFKA_TOPIC_PREFIX if topic_prefix is None else topic_prefix
        )
        self.producer = Producer(
            {**self.config, "enable.idempotence": True, "acks": "all", "linger.ms": 5}
        )
        self.consumers: dict[str, Any] = {}

    def topic(self, domain: str) -> str:
        return f"{self.topic_prefix}{domain}"

    def publish(self, envelopes: list[dict[str, Any]]) -> None:
        failures: list[Any] = []

        def delivered(error: Any, _message: Any) -> None:
            if error is not None:
                failures.append(error)

        for envelope in envelopes:
            organization = envelope["organization"]["schema"]
            entity = envelope["entity"]
            self.producer.produce(
                self.topic(domain_of(envelope)),
                key=f"{organization}/{entity['type']}/{entity['id']}",
                value=json.dumps(envelope, separators=(",", ":")),
                headers=[
                    ("organization", organization),
                    ("event-id", envelope["id"]),
                    ("event-type", envelope["type"]),
                ],
                on_delivery=delivered,
            )
            self.producer.poll(0)
        remaining = self.producer.flush(settings.EVENTS_KAFKA_FLUSH_SECONDS)
        if failures or remaining:
            # Nothing is marked sent: the relay's next run publishes the batch again.
            raise ConnectionError(
                f"Kafka did not take all {len(envelopes)} events: {remaining} unsent, "
                f"{len(failures)} failed ({failures[:1]})"
            )

    def _consumer(self, group: str, domains: list[str]) -> Any:
        from confluent_kafka import Consumer

        if group not in self.consumers:
            self._ensure_topics(domains)
            consumer = Consumer(
                {
                    **self.config,
                    **self.consumer_config,
                    "group.id": group,
                    "enable.auto.commit": False,
                    "auto.offset.reset": "earliest",
                }
            )
            consumer.subscribe([self.topic(domain) for domain in domains])
            self.consumers[group] = consumer
        return self.consumers[group]

    def _ensure_topics(self, domains: list[str]) -> None:
        """A consumer subscribed to a topic no producer has written yet would fail (and only
        notice the topic minutes later): create the domain topics first, if missing."""
        from confluent_kafka.admin import AdminClient, NewTopic

        admin = AdminClient(self.config)
        existing = set(admin.list_topics(timeout=10).topics)
        missing = [self.topic(domain) for domain in domains if self.topic(domain) not in existing]
        if not missing:
            return
        futures = admin.create_topics(
            [NewTopic(topic, num_partitions=settings.EVENTS_KAFKA_PARTITIONS) for topic in missing]
        )
        for future in futures.values():
            try:
                future.result(timeout=10)
            except Exception as error:
                if "TOPIC_ALREADY_EXISTS" not in str(error):
                    raise

    def read(
        self, *, group: str, domains: list[str], count: int, block_ms: int
    ) -> Iterator[Delivery]:
        consumer = self._consumer(group, domains)
        for message in consumer.consume(count, timeout=max(block_ms, 1) / 1000):
            if message.error():
                raise ConnectionError(str(message.error()))
            headers = dict(message.headers() or [])
            yield Delivery(
                organization=headers.get("organization", b"").decode(),
                envelope=json.loads(message.value()),
                ack_token=message,
            )

    def ack(self, *, group: str, delivery: Delivery) -> None:
        self.consumers[group].commit(message=delivery.ack_token, asynchronous=False)

    def close(self) -> None:
        for consumer in self.consumers.values():
            consumer.close()
        self.consumers.clear()


def default_transport() -> Transport:
    return import_string(settings.EVENTS_TRANSPORT)()
