"""Where the relay publishes and consumers read: Redis Streams (default) or Kafka.

Both carry the same JSON envelope (emit()), one stream or topic per domain
(`tracker`, `accounts`, ...), the organization's schema beside the payload (a stream
field, a Kafka header) so a consumer can refuse a message whose two disagree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import redis
from django.conf import settings
from django.utils.module_loading import import_string


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


@cache
def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def events_redis() -> redis.Redis:
    return _redis_client(settings.EVENTS_REDIS_URL)


class RedisStreamsTransport:
    """A stream per domain, `<EVENTS_REDIS_PREFIX>stream:<domain>`; consumer groups read it."""

    def __init__(self, client: redis.Redis | None = None, prefix: str | None = None) -> None:
        self.client = client or events_redis()
        self.prefix = settings.EVENTS_REDIS_PREFIX if prefix is None else prefix

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
        for stream in streams:
            try:
                self.client.xgroup_create(stream, group, id="0", mkstream=True)
            except redis.ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise
        # "0" first: what this consumer read before and never acknowledged (a crash
        # between apply and ack), then ">" for new messages.
        for start in ("0", ">"):
            response = self.client.xreadgroup(
                group,
                "relay-consumer",
                dict.fromkeys(streams, start),
                count=count,
                block=(block_ms or None) if start == ">" else None,
            )
            for stream, messages in response or []:
                for message_id, fields in messages:
                    yield Delivery(
                        organization=fields[b"organization"].decode(),
                        envelope=json.loads(fields[b"payload"]),
                        ack_token=(stream, message_id),
                    )

    def ack(self, *, group: str, delivery: Delivery) -> None:
        stream, message_id = delivery.ack_token
        self.client.xack(stream, group, message_id)


def default_transport() -> Transport:
    return import_string(settings.EVENTS_TRANSPORT)()
