"""Thin tasks around the relay (relay.py says how and why it runs this way)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from tenant_apps.events import relay

_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError, ConnectionError),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 10,
}


@shared_task(name="events.relay_organization", **_RETRY)
def relay_organization() -> int:
    """Publish the current organization's unsent events (queued on commit, and the backstop)."""
    return relay.relay_organization()


@shared_task(name="events.relay_dirty", **_RETRY)
def relay_dirty() -> int:
    """Publish for every organization marked dirty since the last tick (beat, in public)."""
    return relay.relay_dirty()
