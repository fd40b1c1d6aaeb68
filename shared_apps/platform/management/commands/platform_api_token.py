"""`manage.py platform_api_token create <name> [--scope read|read-write] [--days N]` /
`revoke <name>` / `list`."""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shared_apps.platform.api_tokens import (
    DEFAULT_LIFETIME_DAYS,
    api_token_create,
    api_token_revoke,
)
from shared_apps.tenants.audit import Actor
from shared_apps.tenants.models import PlatformAPIToken


class Command(BaseCommand):
    help = "Manage platform API tokens (for billing and sign-up integrations)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create")
        create.add_argument("name")
        create.add_argument(
            "--scope", choices=PlatformAPIToken.Scope.values, default=PlatformAPIToken.Scope.READ
        )
        create.add_argument("--days", type=int, default=DEFAULT_LIFETIME_DAYS)
        actions.add_parser("revoke").add_argument("name")
        actions.add_parser("list")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.command_line()
        if options["action"] == "list":
            for token in PlatformAPIToken.objects.order_by("name"):
                state = "revoked" if token.revoked_at else f"expires {token.expires_at:%Y-%m-%d}"
                self.stdout.write(f"{token.name:<30} {token.prefix}…  {token.scope:<10} {state}")
            return
        if options["action"] == "create":
            try:
                _token, raw = api_token_create(
                    name=options["name"],
                    scope=options["scope"],
                    lifetime_days=options["days"],
                    actor=actor,
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            self.stdout.write(raw)
            self.stderr.write("Store this token now: it is not shown again.")
            return
        token = PlatformAPIToken.objects.filter(
            name=options["name"], revoked_at__isnull=True
        ).first()
        if token is None:
            raise CommandError(f"No active token named “{options['name']}”.")
        api_token_revoke(token=token, actor=actor)
        self.stdout.write(self.style.SUCCESS(f"Revoked {token.name}."))
