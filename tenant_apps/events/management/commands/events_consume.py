"""Run consumers against the configured transport, until stopped or, with --once, until
nothing waits.

`manage.py events_consume audit notifications`: one process per consumer group (each
reads its own pending messages first, so a restarted process finishes what it began).
The choices are every registered consumer: the platform's own and those other apps
register from their AppConfig.ready() (webhooks).
"""

from django.core.management.base import BaseCommand, CommandError

from tenant_apps.events.consumers import CONSUMERS, consume
from tenant_apps.events.transports import default_transport


class Command(BaseCommand):
    # Read from the registry (the command loads after every AppConfig.ready()), so a
    # consumer another app registers is named here too.
    help = (
        "Apply domain events with the named consumers until stopped (--once: drain what "
        f"waits, then exit). Consumers: {', '.join(sorted(CONSUMERS))}."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("consumers", nargs="+", choices=sorted(CONSUMERS))
        parser.add_argument("--once", action="store_true", help="Drain what waits, then exit.")

    def handle(self, *args, consumers: list[str], once: bool, **options) -> None:
        if len(consumers) != len(set(consumers)):
            raise CommandError("Name each consumer once.")
        transport = default_transport()
        if not once:
            self.stdout.write(f"Consuming {', '.join(consumers)} until stopped.")
        while True:
            applied = sum(
                consume(CONSUMERS[name], transport, block_ms=0 if once else 1000 // len(consumers))
                for name in consumers
            )
            if once:
                self.stdout.write(f"applied {applied} events")
                return
