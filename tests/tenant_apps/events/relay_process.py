"""A relay in a process of its own, for the crash test (`test_relay_crash.py`).

`python -m tests.tenant_apps.events.relay_process <schema> --redis-prefix P` relays the
organization's outbox once with the real `relay_organization` and prints what it did.
With `--pause-after-publish` the transport stops the process once the broker has the
batch and before the relay's transaction marks it sent: it prints `published <n>` and
sleeps, so the test can SIGKILL it exactly there. The pause lives in this test module's
transport, not in the relay.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("schema")
    parser.add_argument("--redis-prefix", default="")
    parser.add_argument("--kafka-bootstrap", default="")
    parser.add_argument("--topic-prefix", default="")
    parser.add_argument("--pause-after-publish", action="store_true")
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django_tenants.utils import schema_context

    from tenant_apps.events.relay import relay_organization
    from tenant_apps.events.transports import KafkaTransport, RedisStreamsTransport

    base = KafkaTransport if options.kafka_bootstrap else RedisStreamsTransport

    class PausingTransport(base):  # type: ignore[misc, valid-type]
        def publish(self, envelopes):
            super().publish(envelopes)
            if options.pause_after_publish:
                print(f"published {len(envelopes)}", flush=True)
                time.sleep(3600)

    if options.kafka_bootstrap:
        transport = PausingTransport(
            config={"bootstrap.servers": options.kafka_bootstrap},
            topic_prefix=options.topic_prefix,
        )
    else:
        transport = PausingTransport(prefix=options.redis_prefix)
    with schema_context(options.schema):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            print(f"backend {cursor.fetchone()[0]}", flush=True)
        print(f"relayed {relay_organization(transport=transport)}", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
