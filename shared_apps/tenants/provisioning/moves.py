"""Moving an organization's schema to another Citus worker: the check, the audited
move, and the `citus_schema_move` session underneath.

A move runs `citus_schema_move` on a database session of its own, holding the migration
lock shared for its whole length: a deploy that is migrating (it holds the lock
exclusively) makes the move refuse at once, and a deploy that starts during a move waits
for it. Every move staff ask for is audited (placement.schema_place_new uses the bare
`schema_move` for a new organization's schema, only logged).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

from shared_apps.tenants.audit import Actor, audit_record
from shared_apps.tenants.db import citus
from shared_apps.tenants.db.locks import MIGRATION_LOCK_KEY
from shared_apps.tenants.models import Organization

TRANSFER_MODES = ("block_writes", "auto", "force_logical")
_PROGRESS_POLL_SECONDS = 0.25


class MoveRefused(ValidationError):
    """The move can't be made now (not on Citus, a deploy migrating, bad target)."""


@dataclass(frozen=True)
class Move:
    slug: str
    source: citus.Node
    target: citus.Node
    seconds: float | None = None


def organization_move_check(
    *, organization: Organization, target: citus.Node, mode: str | None = None
) -> tuple[citus.Placement, str]:
    """Refuse a move that can't be made (MoveRefused, with what to do); else where the
    organization is now and the transfer mode to use."""
    mode = mode or settings.CITUS_SHARD_TRANSFER_MODE
    if mode not in TRANSFER_MODES:
        raise MoveRefused(
            f"Unknown transfer mode “{mode}”; use one of {', '.join(TRANSFER_MODES)}."
        )
    if not citus.citus_enabled():
        raise MoveRefused("This database is not a Citus cluster: there is nowhere to move to.")
    if target not in citus.worker_nodes():
        nodes = ", ".join(str(node) for node in citus.worker_nodes())
        raise MoveRefused(f"{target} is not a worker of this cluster (workers: {nodes}).")
    placement = citus.placements([organization.schema_name], sizes=True).get(
        organization.schema_name
    )
    if placement is None:
        raise MoveRefused(f"{organization.slug}'s schema is not a distributed schema.")
    if placement.node == target:
        raise MoveRefused(f"{organization.slug} is already on {target}.")
    return placement, mode


def organization_move(
    *,
    organization: Organization,
    target: citus.Node,
    actor: Actor,
    mode: str | None = None,
    report: Callable[[str], None] = lambda _line: None,
) -> Move:
    """Move the organization's schema to `target` while it keeps serving; audited."""
    placement, mode = organization_move_check(organization=organization, target=target, mode=mode)
    report(f"Moving {organization.slug} ({placement.size_bytes} bytes) {placement.node} → {target}")
    try:
        seconds = schema_move(organization.schema_name, target, mode=mode, report=report)
    except DatabaseError as error:
        # Citus undoes a failed move: the schema is still whole where it was.
        raise MoveRefused(
            f"The move of {organization.slug} failed; it stays on {placement.node}: {error}"
        ) from error
    audit_record(
        actor=actor, action="organization.move", organization=organization,
        source=str(placement.node), target=str(target), mode=mode, seconds=round(seconds, 3),
    )  # fmt: skip
    report(f"Moved {organization.slug} to {target} in {seconds:.2f} s")
    return Move(organization.slug, placement.node, target, seconds)


def schema_move(
    schema: str,
    target: citus.Node,
    *,
    mode: str,
    report: Callable[[str], None] = lambda _line: None,
) -> float:
    """citus_schema_move on a session of its own, reporting Citus's progress meanwhile."""
    started = time.monotonic()
    with _move_session() as session:
        failure: list[BaseException] = []

        raw = session.connection  # psycopg's connection may serve another thread

        def run() -> None:
            try:
                with session.wrap_database_errors:  # psycopg's errors as Django's
                    raw.execute(
                        "SELECT citus_schema_move(%s::regnamespace, %s, %s,"
                        " %s::citus.shard_transfer_mode)",
                        [schema, target.host, target.port, mode],
                    )
            except BaseException as error:  # re-raised in the caller's thread
                failure.append(error)

        mover = threading.Thread(target=run, name=f"citus-move-{schema}", daemon=True)
        mover.start()
        last = ""
        while mover.is_alive():
            mover.join(_PROGRESS_POLL_SECONDS)
            line = _progress_line(schema)
            if line and line != last:
                report(line)
                last = line
        if failure:
            raise failure[0]
    return time.monotonic() - started


def _progress_line(schema: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), coalesce(sum(source_shard_size), 0),"
            " coalesce(sum(target_shard_size), 0), string_agg(DISTINCT status, ', ')"
            " FROM get_rebalance_progress() p JOIN pg_class c ON c.oid = p.table_name"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
            [schema],
        )
        shards, source, copied, status = cursor.fetchone()
    if not shards:
        return ""
    return f"  {shards} shards: {copied} of {source} bytes copied ({status or 'running'})"


@contextmanager
def _move_session() -> Iterator[Any]:
    """A session holding the migration lock shared; refuses while a deploy migrates."""
    session = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with session.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock_shared(%s)", [MIGRATION_LOCK_KEY])
            if not cursor.fetchone()[0]:
                raise MoveRefused(
                    "A deploy is migrating the organizations' schemas; move it once the "
                    "deploy has finished."
                )
        try:
            yield session
        finally:
            with session.cursor() as cursor:  # explicitly: a pooled session outlives close()
                cursor.execute("SELECT pg_advisory_unlock_shared(%s)", [MIGRATION_LOCK_KEY])
    finally:
        session.close()
