"""Run platform consumers against the configured transport until stopped.

`manage.py events_consume audit notifications`: one process per consumer group (each
reads its own pending messages first, so a restarted process finishes what it began).
"""

from django.core.management.base import BaseCommand, CommandError

from tenant_apps.events.consumers import CONSUMERS, consume
from tenant_apps.events.transports import default_transport


class Command(BaseCommand):
    help = "Apply domain events with the named consumers (audit, notifications, usage, activity)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("consumers", nargs="+", choices=sorted(CONSUMERS))
        parser.add_argument("--once", action="store_true", help="Drain what waits, then exit.")

    def handle(self, *args, consumers: list[str], once: bool, **options) -> None:
        if len(consumers) != len(set(consumers)):
            raise CommandError("Name each consumer once.")
        transport = default_transport()
        while True:
            applied = sum(
                consume(CONSUMERS[name], transport, block_ms=0 if once else 1000 // len(consumers))
                for name in consumers
            )
            if once:
                self.stdout.write(f"applied {applied} events")
                return
