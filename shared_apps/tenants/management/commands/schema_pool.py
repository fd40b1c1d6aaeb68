"""`manage.py schema_pool fill [--size N]` / `status`: the warm pool of prebuilt schemas."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from shared_apps.tenants.models import PooledSchema
from shared_apps.tenants.provisioning.pool import pool_fill
from shared_apps.tenants.provisioning.template import current_snapshot, template_refresh


class Command(BaseCommand):
    help = "Fill or inspect the pool of schemas built ahead of time for instant provisioning."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["fill", "status"])
        parser.add_argument("--size", type=int, help="Target size (default SCHEMA_POOL_SIZE).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "fill":
            if current_snapshot() is None:
                template_refresh()
            built = pool_fill(size=options["size"])
            self.stdout.write(self.style.SUCCESS(f"Built {built} schema(s)."))
        snapshot = current_snapshot()
        current = PooledSchema.objects.filter(
            migrations_digest=snapshot.migrations_digest if snapshot else ""
        ).count()
        self.stdout.write(f"{current} pooled schema(s) ready for the current template.")
