"""Writes through every Redis use of the settings it runs with; prints what it wrote.

Run by test_redis_urls.py in a process of its own (`python -m tests.deploy.redis_probe
TOKEN`), with REDIS_URL naming a database of the test's choosing: the cache, the session
cache, the Celery broker, the channel layer and the routing invalidation each write once,
with TOKEN in the key, task name, group or message.
"""

import json
import sys

import django


def main(token: str) -> int:
    django.setup()
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer
    from django.conf import settings
    from django.core.cache import caches

    from config.celery import app
    from shared_apps.tenants import resolver

    caches["default"].set(f"probe-{token}", "cache")
    caches["sessions"].set(f"probe-{token}", "sessions")
    with app.connection_for_write() as connection:
        app.send_task(f"probe.{token}", connection=connection)
    layer = get_channel_layer()
    async_to_sync(layer.group_add)(f"probe-{token}", f"probe.{token}")
    async_to_sync(layer.group_send)(f"probe-{token}", {"type": "probe"})
    resolver.invalidate_routing_cache()
    json.dump(
        {
            "cache": settings.CACHES["default"]["LOCATION"],
            "sessions": settings.CACHES["sessions"]["LOCATION"],
            "broker": settings.CELERY_BROKER_URL,
            "channel_layer": settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"],
            "routing": settings.TENANT_ROUTING_REDIS_URL,
            "routing_channel": settings.TENANT_ROUTING_CHANNEL,
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
