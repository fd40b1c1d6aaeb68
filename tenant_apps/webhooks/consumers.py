"""The webhooks consumer of domain events: it reads every domain the registry knows, and
`events.consumers.apply()` runs it in the event's own organization's schema, so only that
organization's endpoints can be matched."""

from typing import Any

from tenant_apps.events.consumers import Consumer
from tenant_apps.events.registry import registered
from tenant_apps.webhooks import services


def webhooks_dispatch(envelope: dict[str, Any]) -> None:
    services.deliveries_for_event(envelope=envelope)


def webhooks_consumer() -> Consumer:
    """Built when the apps are ready: by then every app has registered its event types."""
    domains = sorted({kind.domain for kind in registered()})
    return Consumer(name="webhooks", domains=domains, handle=webhooks_dispatch)
