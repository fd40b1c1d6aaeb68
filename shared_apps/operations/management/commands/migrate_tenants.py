"""`manage.py migrate_tenants`: the deploy's migrations (public, then every organization).

    manage.py migrate_tenants                 migrate, waiting for another run's lock
    manage.py migrate_tenants --no-wait       exit at once (code 75) if another run holds it
    manage.py migrate_tenants --check         list pending migrations per schema; exit 1 if any
    manage.py migrate_tenants --workers 8     organization schemas migrated by 8 processes
    manage.py migrate_tenants --no-fast-path  every schema through Django's executor

See docs/deploy.md. django-tenants' `migrate_schemas` stays available and unchanged.
"""

import atexit
import gc
import os
import sys
from typing import Any

from django.conf import settings
from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_exists

from shared_apps.operations.migration_lock import MigrationLockBusy, migration_lock
from shared_apps.operations.migration_runner import (
    describe_paths,
    describe_public_path,
    migrate_all_schemas,
    pending_migrations,
)
from shared_apps.tenants.provisioning.template import (
    TEMPLATE_SCHEMA,
    TemplateUnsupported,
    current_snapshot,
    template_capture,
    template_refresh,
)

EXIT_LOCK_BUSY = 75  # EX_TEMPFAIL: try again later


def capture_template() -> tuple[int | str, int]:
    """Capture the provisioning template just migrated: (its statement count, or why fast
    provisioning is unavailable; this process's id). Run by a worker process while the
    others migrate the other schemas."""
    try:
        return len(template_capture().statements), os.getpid()
    except TemplateUnsupported as reason:
        return str(reason), os.getpid()


def _build_template() -> tuple[int | str, int]:
    """Create, migrate and capture the provisioning template (the first deploy's)."""
    try:
        return len(template_refresh().statements), os.getpid()
    except TemplateUnsupported as reason:
        return str(reason), os.getpid()


def _skip_final_collection() -> None:
    """At exit, leave what the run built (apps, migration graph, rendered states) to the
    operating system: the interpreter's final garbage collection walks all of it, 0.15
    to 0.2 s of every run. Registered once; gc.freeze only exempts what exists by then."""
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


class Command(BaseCommand):
    help = (
        "Migrate the public schema, then every organization's schema in parallel, skipping "
        "schemas that are up to date, under a lock that keeps two deploys apart."
    )
    # The checks migrations depend on (models, database). All of them would import every
    # URL conf, and with it every view and the S3 client: most of a no-op run's second.
    requires_system_checks = [Tags.models, Tags.database]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            default=settings.TENANT_MIGRATION_WORKERS,
            help="Worker processes for organization schemas (default %(default)s).",
        )
        parser.add_argument(
            "--check",
            "--plan",
            dest="check",
            action="store_true",
            help="Print which schemas need which migrations; exit 1 if any are pending. "
            "Changes nothing and takes no lock.",
        )
        parser.add_argument(
            "--lock-wait",
            type=float,
            default=settings.TENANT_MIGRATION_LOCK_WAIT_SECONDS,
            help="Seconds to wait for another run's lock before giving up (default %(default)s).",
        )
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help=f"Don't wait for another run's lock: exit with code {EXIT_LOCK_BUSY} at once.",
        )
        parser.add_argument(
            "--no-fast-path",
            dest="fast_path",
            action="store_false",
            help="Migrate every schema with Django's executor instead of replaying the SQL "
            "compiled from the first schemas (see docs/deploy.md).",
        )
        parser.add_argument("--noinput", "--no-input", action="store_true", help="Accepted; "
                            "this command never prompts.")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        _skip_final_collection()
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        if options["check"]:
            self._check(fast_path=options["fast_path"], workers=options["workers"])
            return
        wait = 0.0 if options["no_wait"] else options["lock_wait"]
        verbose = options["verbosity"] >= 2
        try:
            with migration_lock(wait_seconds=wait, on_wait=self._say):
                run = migrate_all_schemas(
                    workers=options["workers"], report=self._say, verbose=verbose,
                    fast_path=options["fast_path"], after={TEMPLATE_SCHEMA: capture_template},
                )  # fmt: skip
        except MigrationLockBusy as busy:
            raise CommandError(str(busy), returncode=EXIT_LOCK_BUSY) from None

        summary = (
            f"Done in {run.seconds:.1f} s: {len(run.migrated)} schema(s) migrated, "
            f"{run.up_to_date} up to date, {len(run.failed)} failed"
            + (f", {len(run.missing)} without a schema" if run.missing else "")
            + "."
        )
        if run.failed:
            self.stdout.write(summary)
            if TEMPLATE_SCHEMA in run.after:  # a worker captured it; say what came of it
                self._refresh_template(migrated=True, run=run.after, verbose=verbose)
            names = ", ".join(outcome.schema for outcome in run.failed)
            raise CommandError(
                f"Migrations failed in {len(run.failed)} schema(s): {names}. Each was rolled "
                "back to where it started (see the errors above); the other schemas are "
                "migrated. Fix the cause and run this command again: it applies only what "
                "is left."
            )
        self.stdout.write(self.style.SUCCESS(summary))
        self._refresh_template(
            migrated=bool(run.public or run.outcomes), run=run.after, verbose=verbose
        )

    def _refresh_template(self, *, migrated: bool, run: dict[str, Any], verbose: bool) -> None:
        """Keep fast provisioning on the migrations just applied (or build its template).

        When the run migrated the template schema in a worker process, a worker captured
        it right after, beside the other schemas (`run` holds what that returned or
        raised). Otherwise, or if that failed, it is captured (or built) here."""
        captured = run.get(TEMPLATE_SCHEMA)
        if isinstance(captured, Exception):
            self.stdout.write(f"Capturing the template in a worker failed ({captured!r}): again.")
            captured = None
        if captured is None:
            if not migrated and current_snapshot() is not None:
                return  # nothing changed, and the snapshot matches the code's migrations
            captured = capture_template() if schema_exists(TEMPLATE_SCHEMA) else _build_template()
        result, pid = captured
        if isinstance(result, str):
            self.stdout.write(f"Fast provisioning unavailable ({result}); migrations will be used.")
            return
        by = f", worker pid {pid}" if verbose and pid != os.getpid() else ""
        self.stdout.write(f"Template for fast provisioning captured ({result} statements{by}).")

    def _check(self, *, fast_path: bool, workers: int) -> None:
        state = pending_migrations(readers=workers)
        for schema in state.missing:
            self._say(f"{schema}: the organization's schema does not exist")
        pending = state.pending
        for plan in pending:
            labels = ", ".join(plan.pending_labels())
            self._say(f"{plan.schema}: {len(plan.pending)} pending: {labels}")
        if not state.public.up_to_date:
            self._say(f"Public schema: {describe_public_path(state.public, fast_path=fast_path)}")
        checked = 1 + len(state.tenants)
        tenants = [plan for plan in state.tenants if not plan.up_to_date]
        if tenants:
            self._say("Organization schemas, by plan:")
            for line in describe_paths(tenants, fast_path=fast_path):
                self._say(line)
        if pending:
            self.stdout.write(f"{len(pending)} of {checked} schema(s) have pending migrations.")
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(f"All {checked} schema(s) are up to date."))

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
