"""`manage.py organization <action>`: every organization lifecycle operation from the shell.

The console and the platform API call the same services; every change is audited with
the actor `cli:<user>`.
"""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shared_apps.tenants import selectors
from shared_apps.tenants.audit import Actor
from shared_apps.tenants.db.citus import Node, citus_enabled
from shared_apps.tenants.lifecycle import domains, exports, owners
from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.management.cli import json_flag
from shared_apps.tenants.models import Domain, Organization
from shared_apps.tenants.provisioning import moves, placement
from shared_apps.tenants.provisioning import services as provisioning


def _as_dict(organization: Organization) -> dict[str, Any]:
    return {
        "name": organization.name,
        "slug": organization.slug,
        "schema": organization.schema_name,
        "status": organization.status,
        "plan": organization.plan,
        "domains": sorted(domain.domain for domain in organization.domains.all()),
        "created_at": organization.created_at.isoformat(),
        "pending_owner": organization.pending_owner_email or None,
    }


def _errors(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Create, list and run the lifecycle of organizations."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="Machine-readable output.")
        actions = parser.add_subparsers(dest="action", required=True)
        action = json_flag(actions)

        create = action("create", help="Create an organization and its schema.")
        create.add_argument("slug", help="Lower-case DNS label: the organization's subdomain.")
        create.add_argument("--name", required=True, help="Display name.")
        create.add_argument("--owner-email", help="The first owner (invited by email).")
        create.add_argument(
            "--owner-password", help="Create the owner's account with this password instead."
        )
        create.add_argument("--migrations", action="store_true", help="Build by migrations.")

        list_ = action("list", help="List organizations.")
        list_.add_argument("--status", choices=Organization.Status.values)

        for name, text in (
            ("suspend", "Members see the suspended page; data is kept."),
            ("reactivate", "Open a suspended organization again."),
            ("archive", "Close it to members; deletable after the grace period."),
            ("restore", "Bring an archived organization back."),
            ("export", "Write an archive of its data now."),
        ):
            action(name, help=text).add_argument("slug")

        rename = action("rename", help="Change the display name.")
        rename.add_argument("slug")
        rename.add_argument("name")

        owner = action(
            "invite-owner", help="Resend the pending owner's invitation, or invite another."
        )
        owner.add_argument("slug")
        owner.add_argument("--email", help="Invite this address instead (replacing the pending).")

        plan = action("plan", help="Change the plan.")
        plan.add_argument("slug")
        plan.add_argument("plan")

        domain = action("domain", help="Custom domains.")
        domain.add_argument("operation", choices=["add", "verify", "primary", "remove"])
        domain.add_argument("slug")
        domain.add_argument("domain")

        delete = action("delete", help="Drop the schema and rows. Irreversible.")
        delete.add_argument("slug")
        delete.add_argument("--yes", action="store_true", help="Confirm deletion.")
        delete.add_argument(
            "--force", action="store_true", help="Skip the archive, grace period and export checks."
        )

        action("placement", help="Citus: the node each organization lives on.")
        move = action("move", help="Citus: move an organization to another node.")
        move.add_argument("slug")
        move.add_argument("--to", required=True, metavar="HOST:PORT", help="The target worker.")
        move.add_argument("--mode", choices=moves.TRANSFER_MODES, help="Shard transfer mode.")
        rebalance = action(
            "rebalance", help="Citus: even out organizations per worker (one move at a time)."
        )
        rebalance.add_argument("--dry-run", action="store_true", help="Print the plan only.")
        rebalance.add_argument("--mode", choices=moves.TRANSFER_MODES)

        restore = action("import", help="Restore an export into a new organization.")
        restore.add_argument("archive", type=Path)
        restore.add_argument("slug")
        restore.add_argument("--name", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        self.actor = Actor.command_line()
        try:
            result, message = getattr(self, f"_{options['action'].replace('-', '_')}")(options)
        except ValidationError as error:
            raise CommandError(_errors(error)) from None
        if options.get("json"):
            self.stdout.write(json.dumps(result, indent=2))
        elif message:
            self.stdout.write(self.style.SUCCESS(message))

    def _get(self, slug: str) -> Organization:
        try:
            return selectors.organization_get(slug=slug)
        except Organization.DoesNotExist:
            raise CommandError(f"No organization with slug “{slug}”.") from None

    def _create(self, options: dict[str, Any]) -> tuple[dict[str, Any], str]:
        organization = provisioning.organization_create(
            name=options["name"],
            slug=options["slug"],
            owner_email=options["owner_email"],
            owner_password=options["owner_password"],
            fast=not options["migrations"],
        )
        message = f"Created {organization} in schema {organization.schema_name}."
        if options["owner_email"] and not options["owner_password"]:
            message += f" An owner invitation was emailed to {options['owner_email']}."
        return _as_dict(organization), message

    def _list(self, options: dict[str, Any]) -> tuple[list[Any], str]:
        rows = [_as_dict(o) for o in selectors.organizations_list(status=options["status"])]
        lines = [
            f"{row['slug']:<24} {row['status']:<13} {row['plan']:<10} {row['name']}  "
            + " ".join(row["domains"])
            for row in rows
        ]
        return rows, "\n".join(
            lines
        ) or "No organizations yet. Create one with `organization create`."

    def _transition(
        self, options: dict[str, Any], service: Any, verb: str
    ) -> tuple[dict[str, Any], str]:
        organization = service(organization=self._get(options["slug"]), actor=self.actor)
        return _as_dict(organization), f"{verb} {organization}."

    def _suspend(self, options: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return self._transition(options, lifecycle.organization_suspend, "Suspended")

    def _reactivate(self, options: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return self._transition(options, lifecycle.organization_reactivate, "Reactivated")

    def _archive(self, options: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return self._transition(options, lifecycle.organization_archive, "Archived")

    def _restore(self, options: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return self._transition(options, lifecycle.organization_restore, "Restored")

    def _rename(self, options: dict[str, Any]) -> tuple[dict[str, Any], str]:
        organization = lifecycle.organization_rename(
            organization=self._get(options["slug"]), name=options["name"], actor=self.actor
        )
        return _as_dict(organization), f"Renamed to {organization.name}."

    def _invite_owner(self, options: dict[str, Any]) -> tuple[dict[str, Any], str]:
        organization = owners.organization_owner_invite(
            organization=self._get(options["slug"]), email=options["email"], actor=self.actor
        )
        return (
            _as_dict(organization),
            f"Owner invitation sent to {organization.pending_owner_email}.",
        )

    def _plan(self, options: dict[str, Any]) -> tuple[dict[str, Any], str]:
        organization = lifecycle.organization_change_plan(
            organization=self._get(options["slug"]), plan=options["plan"], actor=self.actor
        )
        return _as_dict(organization), f"{organization} is now on {organization.plan}."

    def _domain(self, options: dict[str, Any]) -> tuple[dict[str, Any], str]:
        organization = self._get(options["slug"])
        operation, name = options["operation"], options["domain"]
        if operation == "add":
            domains.domain_add(organization=organization, domain=name, actor=self.actor)
        else:
            domain = Domain.objects.filter(tenant=organization, domain=name.lower()).first()
            if domain is None:
                raise CommandError(f"{organization} has no domain “{name}”.")
            {
                "verify": domains.domain_verify,
                "primary": domains.domain_set_primary,
                "remove": domains.domain_remove,
            }[operation](domain=domain, actor=self.actor)
        return _as_dict(organization), f"Domain {name}: {operation} done."

    def _export(self, options: dict[str, Any]) -> tuple[dict[str, Any], str]:
        export = exports.export_request(organization=self._get(options["slug"]), actor=self.actor)
        export = exports.export_run(export=export)
        if export.error:
            raise CommandError(f"Export failed: {export.error}")
        path = exports.export_path(export)
        return {"file": str(path), "bytes": export.size_bytes}, f"Exported to {path}."

    def _import(self, options: dict[str, Any]) -> tuple[dict[str, Any], str]:
        organization = exports.archive_restore(
            archive_path=options["archive"],
            name=options["name"],
            slug=options["slug"],
            actor=self.actor,
        )
        return _as_dict(organization), f"Restored into {organization}."

    def _delete(self, options: dict[str, Any]) -> tuple[dict[str, Any], str]:
        organization = self._get(options["slug"])
        if not options["yes"]:
            raise CommandError(
                f"Deleting {organization} drops schema {organization.schema_name} and all its "
                "data. Run again with --yes to confirm."
            )
        summary = _as_dict(organization)
        lifecycle.organization_delete(
            organization=organization, actor=self.actor, force=options["force"]
        )
        return {**summary, "status": "deleted"}, f"Deleted {summary['slug']}."

    def _placement(self, options: dict[str, Any]) -> tuple[list[Any], str]:
        if not citus_enabled():
            raise CommandError("Not a Citus cluster: every organization is on this database.")
        rows = [
            {
                "slug": p.slug, "schema": p.schema,
                "node": str(p.node) if p.node else None, "size_bytes": p.size_bytes,
            }
            for p in placement.organization_placements()
        ]  # fmt: skip
        lines = [
            f"{r['slug']:<24} {r['node'] or 'not distributed':<22} {r['size_bytes']}" for r in rows
        ]
        loads = placement.node_loads()
        lines += ["", *(f"{node}: {count} schema(s)" for node, count in loads.items())]
        return rows, "\n".join(lines)

    def _move(self, options: dict[str, Any]) -> tuple[dict[str, Any], str]:
        try:
            target = Node.parse(options["to"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        move = moves.organization_move(
            organization=self._get(options["slug"]), target=target, mode=options["mode"],
            actor=self.actor, report=self._progress,
        )  # fmt: skip
        return _move_dict(move), ""

    def _rebalance(self, options: dict[str, Any]) -> tuple[list[Any], str]:
        if options["dry_run"]:
            planned = placement.rebalance_plan()
            lines = [f"{m.slug}: {m.source} → {m.target}" for m in planned]
            return [_move_dict(m) for m in planned], "\n".join(lines) or "Already balanced."
        done = placement.organizations_rebalance(
            actor=self.actor, mode=options["mode"], report=self._progress
        )
        return [_move_dict(m) for m in done], f"{len(done)} move(s) done."

    def _progress(self, line: str) -> None:
        self.stderr.write(line)


def _move_dict(move: moves.Move) -> dict[str, Any]:
    return {
        "slug": move.slug, "source": str(move.source), "target": str(move.target),
        "seconds": move.seconds,
    }  # fmt: skip
