"""Export an organization's data to an archive, and restore one into a new organization.

An archive is a gzipped tar of `manifest.json` (the organization, the migrations its
schema had, each table's columns and row count) and one CSV per table made by COPY. It
restores only into a schema at the same migrations: the new organization is built from
the template, emptied, and loaded table by table in one transaction, identities advanced
past the loaded rows. Sessions are not exported.
"""

from __future__ import annotations

import io
import json
import logging
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from shared_apps.tenants.audit import Actor, audit_record
from shared_apps.tenants.db.catalog import table_columns
from shared_apps.tenants.db.citus import citus_enabled
from shared_apps.tenants.lifecycle.directory import directory_rebuild
from shared_apps.tenants.models import Organization, OrganizationExport
from shared_apps.tenants.provisioning.services import organization_create, organization_remove
from shared_apps.tenants.provisioning.template import code_migrations_digest

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1


def export_request(*, organization: Organization, actor: Actor) -> OrganizationExport:
    """Record an export to be made (by `export_run`, usually in a Celery task)."""
    with transaction.atomic():
        export = OrganizationExport.objects.create(
            organization=organization, organization_slug=organization.slug, requested_by=actor.label
        )
        audit_record(actor=actor, action="organization.export", organization=organization)
    return export


def export_run(*, export: OrganizationExport) -> OrganizationExport:
    """Write the archive. Safe to run again: a finished export is left as it is."""
    if export.status == OrganizationExport.Status.DONE:
        return export
    organization = export.organization
    if organization is None:
        return _finish(export, error="The organization no longer exists.")
    export.status = OrganizationExport.Status.RUNNING
    export.save(update_fields=["status"])
    try:
        directory = Path(settings.EXPORTS_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{organization.slug}-{timezone.now():%Y%m%d-%H%M%S}-{export.pk}.tar.gz"
        size = archive_write(organization, directory / name)
    except Exception as error:
        logger.exception("export of %s failed", organization.slug)
        return _finish(export, error=str(error))
    export.file_name = name
    export.size_bytes = size
    return _finish(export)


def export_path(export: OrganizationExport) -> Path:
    return Path(settings.EXPORTS_DIR) / export.file_name


def _finish(export: OrganizationExport, *, error: str = "") -> OrganizationExport:
    export.status = OrganizationExport.Status.FAILED if error else OrganizationExport.Status.DONE
    export.error = error
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "error", "finished_at", "file_name", "size_bytes"])
    return export


def archive_write(organization: Organization, target: Path) -> int:
    """Write `organization`'s archive to `target`; returns its size in bytes."""
    schema = organization.schema_name
    tables = table_columns(schema)
    manifest: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "organization": {
            "name": organization.name,
            "slug": organization.slug,
            "plan": organization.plan,
        },
        "migrations_digest": code_migrations_digest(),
        "exported_at": timezone.now().isoformat(),
        "tables": [],
    }
    partial = target.with_suffix(".partial")
    outermost = not connection.in_atomic_block
    connection.ensure_connection()
    with transaction.atomic(), tarfile.open(partial, "w:gz") as archive:
        raw = connection.connection
        if outermost:  # one consistent view of every table (first statement of the transaction)
            raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for table, columns in tables.items():
            buffer = io.BytesIO()
            with (
                raw.cursor() as cursor,
                cursor.copy(
                    f'COPY "{schema}"."{table}" TO STDOUT WITH (FORMAT csv, HEADER)'
                ) as copy,
            ):
                for chunk in copy:
                    buffer.write(chunk)
            rows = max(buffer.getvalue().count(b"\n") - 1, 0)
            _add(archive, f"data/{table}.csv", buffer.getvalue())
            manifest["tables"].append({"name": table, "columns": columns, "rows": rows})
        _add(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
    partial.rename(target)
    return target.stat().st_size


def archive_restore(*, archive_path: Path, name: str, slug: str, actor: Actor) -> Organization:
    """A new organization holding exactly the archived data."""
    with tarfile.open(archive_path, "r:gz") as archive:
        manifest = json.loads(_read(archive, "manifest.json"))
        if manifest.get("format") != FORMAT_VERSION:
            raise ValidationError("This archive was made by an incompatible version.")
        if manifest["migrations_digest"] != code_migrations_digest():
            raise ValidationError(
                "This archive was made at a different set of migrations than this code runs; "
                "restore it with the release that made it, then migrate."
            )
        organization = organization_create(name=name, slug=slug)
        try:
            with transaction.atomic():
                _load(archive, manifest, organization.schema_name)
                directory_rebuild(organization=organization)
                audit_record(
                    actor=actor, action="organization.restore_from_export",
                    organization=organization, source=manifest["organization"]["slug"],
                )  # fmt: skip
        except BaseException:
            organization_remove(organization)
            raise
    return organization


def _load(archive: tarfile.TarFile, manifest: dict[str, Any], schema: str) -> None:
    tables = [entry["name"] for entry in manifest["tables"]]
    present = table_columns(schema)
    unknown = set(tables) - set(present)
    if unknown:
        raise ValidationError(f"The archive has tables this schema lacks: {sorted(unknown)}")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        quoted = ", ".join(f'"{schema}"."{table}"' for table in present)
        cursor.execute(f"TRUNCATE {quoted} CASCADE")
    raw = connection.connection
    for entry in manifest["tables"]:
        table, columns = entry["name"], ", ".join(f'"{c}"' for c in entry["columns"])
        data = _read(archive, f"data/{table}.csv")
        with raw.cursor() as cursor:
            with cursor.copy(
                f'COPY "{schema}"."{table}" ({columns}) FROM STDIN WITH (FORMAT csv, HEADER)'
            ) as copy:
                copy.write(data)
            cursor.execute(
                "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %s::regclass"
                " AND a.attidentity <> ''",
                [f'"{schema}"."{table}"'],
            )
            for (column,) in cursor.fetchall():
                _identity_advance(cursor, f'"{schema}"."{table}"', column)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _identity_advance(cursor: Any, table: str, column: str) -> None:
    """Set the column's identity past the loaded rows."""
    if citus_enabled():
        # A statement naming the table runs on its worker, against the worker's copy of
        # the sequence: read the maximum there, set the coordinator's sequence to it.
        cursor.execute(f'SELECT max("{column}") FROM {table}')
        (highest,) = cursor.fetchone()
        if highest is not None:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), %s)", [table, column, highest]
            )
        return
    cursor.execute(
        f'SELECT setval(pg_get_serial_sequence(%s, %s), max("{column}"))'
        f' FROM {table} HAVING max("{column}") IS NOT NULL',
        [table, column],
    )


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def _read(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(name)
    if member is None:
        raise ValidationError(f"The archive is missing {name}.")
    return member.read()
