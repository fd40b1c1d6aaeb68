"""`manage.py organization create|list|suspend|reactivate|delete` — usable before any UI."""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shared_apps.tenants import selectors, services
from shared_apps.tenants.models import Organization


def _as_dict(organization: Organization) -> dict[str, Any]:
    return {
        "name": organization.name,
        "slug": organization.slug,
        "schema": organization.schema_name,
        "status": organization.status,
        "domains": sorted(domain.domain for domain in organization.domains.all()),
        "created_at": organization.created_at.isoformat(),
    }


def _errors(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Create, list, suspend, reactivate and delete organizations."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="Machine-readable output.")
        actions = parser.add_subparsers(dest="action", required=True)

        create = actions.add_parser("create", help="Create an organization and its schema.")
        create.add_argument("slug", help="Lower-case DNS label: the organization's subdomain.")
        create.add_argument("--name", required=True, help="Display name.")
        create.add_argument("--owner-email", help="The first owner (invited by email).")
        create.add_argument(
            "--owner-password", help="Create the owner's account with this password instead."
        )

        list_ = actions.add_parser("list", help="List organizations.")
        list_.add_argument("--status", choices=Organization.Status.values)

        for name, text in (
            ("suspend", "Members see the suspended page; data is kept."),
            ("reactivate", "Open a suspended organization again."),
            ("delete", "Drop the organization's schema and rows. Irreversible."),
        ):
            action = actions.add_parser(name, help=text)
            action.add_argument("slug")
            if name == "delete":
                action.add_argument("--yes", action="store_true", help="Confirm deletion.")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = getattr(self, f"_{options['action']}")
        result = handler(options)
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))

    def _get(self, slug: str) -> Organization:
        try:
            return selectors.organization_get(slug=slug)
        except Organization.DoesNotExist:
            raise CommandError(f"No organization with slug “{slug}”.") from None

    def _create(self, options: dict[str, Any]) -> dict[str, Any]:
        try:
            organization = services.organization_create(
                name=options["name"],
                slug=options["slug"],
                owner_email=options["owner_email"],
                owner_password=options["owner_password"],
            )
        except ValidationError as error:
            raise CommandError(_errors(error)) from None
        if not options["json"]:
            self.stdout.write(
                self.style.SUCCESS(f"Created {organization} in schema {organization.schema_name}.")
            )
            if options["owner_email"] and not options["owner_password"]:
                self.stdout.write(f"An owner invitation was emailed to {options['owner_email']}.")
        return _as_dict(organization)

    def _list(self, options: dict[str, Any]) -> list[dict[str, Any]]:
        organizations = [
            _as_dict(o) for o in selectors.organizations_list(status=options["status"])
        ]
        if not options["json"]:
            if not organizations:
                self.stdout.write(
                    "No organizations yet. Create one with `manage.py organization create`."
                )
            for row in organizations:
                self.stdout.write(
                    f"{row['slug']:<24} {row['status']:<13} {row['name']}  "
                    + " ".join(row["domains"])
                )
        return organizations

    def _suspend(self, options: dict[str, Any]) -> dict[str, Any]:
        organization = services.organization_suspend(organization=self._get(options["slug"]))
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS(f"Suspended {organization}."))
        return _as_dict(organization)

    def _reactivate(self, options: dict[str, Any]) -> dict[str, Any]:
        organization = services.organization_reactivate(organization=self._get(options["slug"]))
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS(f"Reactivated {organization}."))
        return _as_dict(organization)

    def _delete(self, options: dict[str, Any]) -> dict[str, Any]:
        organization = self._get(options["slug"])
        if not options["yes"]:
            raise CommandError(
                f"Deleting {organization} drops schema {organization.schema_name} and all its "
                "data. Run again with --yes to confirm."
            )
        summary = _as_dict(organization)
        services.organization_delete(organization=organization)
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS(f"Deleted {summary['slug']}."))
        return {**summary, "status": "deleted"}
