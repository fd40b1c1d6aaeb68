"""`manage.py template_refresh`: migrate and capture the template schema now (deploys run it
after migrating; provisioning also does it by itself when it finds the template stale)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shared_apps.tenants.provisioning.template import TemplateUnsupported, template_refresh


class Command(BaseCommand):
    help = "Migrate the template schema and capture it for fast provisioning."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            snapshot = template_refresh(verbosity=max(0, options["verbosity"] - 1))
        except TemplateUnsupported as reason:
            raise CommandError(
                f"Fast provisioning is unavailable ({reason}); organizations will be "
                "provisioned by migrations."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(f"Template captured: {len(snapshot.statements)} statements.")
        )
