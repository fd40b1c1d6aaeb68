"""Where organizations live on a Citus cluster, and moving them: one service per operation,
used by the console and `manage.py organization placement|move|rebalance`. The command
line moves in the foreground, printing progress; the console queues the same move as a
task whose progress its page shows.

A move runs `citus_schema_move` on a database session of its own, holding the migration
lock shared for its whole length: a deploy that is migrating (it holds the lock
exclusively) makes the move refuse at once, and a deploy that starts during a move waits
for it. Every move staff ask for is audited; placing a new organization is part of its
creation and only logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction

from shared_apps.tenants.audit import Actor, audit_record
from shared_apps.tenants.db import citus
from shared_apps.tenants.db.locks import MIGRATION_LOCK_KEY
from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning.tasks import move_organization
from shared_apps.tenants.provisioning.template import TEMPLATE_SCHEMA

logger = logging.getLogger(__name__)

TRANSFER_MODES = ("block_writes", "auto", "force_logical")
_PROGRESS_POLL_SECONDS = 0.25
_PROGRESS_KEPT = 24 * 3600  # seconds the organization's page shows the last move's outcome


class MoveRefused(ValidationError):
    """The move can't be made now (not on Citus, a deploy migrating, bad target)."""


@dataclass(frozen=True)
class OrganizationPlacement:
    slug: str
    schema: str
    node: citus.Node | None
    size_bytes: int | None


@dataclass(frozen=True)
class Move:
    slug: str
    source: citus.Node
    target: citus.Node
    seconds: float | None = None


def organization_placements(*, sizes: bool = True) -> list[OrganizationPlacement]:
    """Every organization with its node (and size), empty when not on Citus."""
    if not citus.citus_enabled():
        return []
    organizations = list(Organization.objects.order_by("slug").values_list("slug", "schema_name"))
    found = citus.placements([schema for _slug, schema in organizations], sizes=sizes)
    return [
        OrganizationPlacement(
            slug=slug,
            schema=schema,
            node=found[schema].node if schema in found else None,
            size_bytes=found[schema].size_bytes if schema in found else None,
        )
        for slug, schema in organizations
    ]


def node_loads() -> dict[citus.Node, int]:
    """Distributed schemas per worker: organizations and pooled schemas, not the template."""
    loads = {node: 0 for node in citus.worker_nodes()}
    for placement in citus.placements().values():
        if placement.schema != TEMPLATE_SCHEMA and placement.node in loads:
            loads[placement.node] += 1
    return loads


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
        seconds = _move(organization.schema_name, target, mode=mode, report=report)
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


def organization_move_request(
    *, organization: Organization, target: citus.Node, actor: Actor, mode: str | None = None
) -> None:
    """The console's move: checked now (a refusal is shown at once), run by a task that
    records its progress for the organization's page (`move_progress`)."""
    _placement, mode = organization_move_check(organization=organization, target=target, mode=mode)
    move_progress_record(organization.pk, status="queued", line=f"Move to {target} queued")
    transaction.on_commit(
        lambda: move_organization.delay(
            organization.pk, str(target), mode, actor.label, actor.ip_address
        )
    )


def organization_move_run(
    *, organization: Organization, target: citus.Node, mode: str, actor: Actor
) -> bool:
    """Run a requested move, recording each progress line and the outcome."""

    def report(line: str) -> None:
        move_progress_record(organization.pk, status="running", line=line.strip())

    try:
        move = organization_move(
            organization=organization, target=target, mode=mode, actor=actor, report=report
        )
    except MoveRefused as refused:
        move_progress_record(organization.pk, status="failed", line=" ".join(refused.messages))
        return False
    line = f"Moved to {move.target} in {move.seconds:.2f} s"
    move_progress_record(organization.pk, status="done", line=line)
    return True


def move_progress(organization_id: int) -> dict[str, str] | None:
    """The last requested move's state: {"status": queued|running|done|failed, "line"}."""
    return cache.get(_progress_key(organization_id))


def move_progress_record(organization_id: int, *, status: str, line: str) -> None:
    cache.set(_progress_key(organization_id), {"status": status, "line": line}, _PROGRESS_KEPT)


def _progress_key(organization_id: int) -> str:
    return f"organization-move:{organization_id}"


def rebalance_plan() -> list[Move]:
    """Moves that even out organizations per worker (to within one), smallest first."""
    if not citus.citus_enabled():
        return []
    loads = node_loads()
    if len(loads) < 2:
        return []
    by_node: dict[citus.Node, list[OrganizationPlacement]] = {node: [] for node in loads}
    for placement in organization_placements(sizes=True):
        if placement.node in by_node:
            by_node[placement.node].append(placement)
    for candidates in by_node.values():
        candidates.sort(key=lambda p: (p.size_bytes or 0, p.slug), reverse=True)
    moves: list[Move] = []
    while True:
        fullest = max(loads, key=lambda node: (loads[node], node))
        emptiest = citus.least_loaded(loads)
        if emptiest is None:  # no workers: nothing to balance
            return moves
        if loads[fullest] - loads[emptiest] <= 1 or not by_node[fullest]:
            return moves
        chosen = by_node[fullest].pop()
        moves.append(Move(chosen.slug, fullest, emptiest))
        loads[fullest] -= 1
        loads[emptiest] += 1


def organizations_rebalance(
    *, actor: Actor, mode: str | None = None, report: Callable[[str], None] = lambda _line: None
) -> list[Move]:
    """Carry out `rebalance_plan()`, one audited move at a time."""
    done = []
    for planned in rebalance_plan():
        organization = Organization.objects.get(slug=planned.slug)
        done.append(
            organization_move(
                organization=organization, target=planned.target, actor=actor, mode=mode,
                report=report,
            )
        )  # fmt: skip
    return done


def schema_place_new(schema: str) -> citus.Node | None:
    """Move a just-committed schema to the least loaded worker when that evens things out.

    Citus places each new distributed schema by its colocation id, round robin, so
    schemas made and dropped (failed attempts, pool refreshes) skew it. The schema is
    still empty here, so the move is short. Returns the node it went to, if moved. Never
    raises: it runs after the organization's commit, and the organization works where
    Citus put it.
    """
    if not (citus.citus_enabled() and settings.CITUS_PLACE_ON_LEAST_LOADED):
        return None
    try:
        return _place(schema)
    except (MoveRefused, DatabaseError) as failure:
        logger.warning("schema %s left where Citus placed it: %s", schema, failure)
        return None


def _place(schema: str) -> citus.Node | None:
    current = citus.placements([schema]).get(schema)
    if current is None:
        return None
    loads = node_loads()
    if current.node in loads:
        loads[current.node] -= 1
    target = citus.least_loaded(loads)
    if target is None or loads.get(current.node, 0) <= loads[target]:
        return None
    seconds = _move(schema, target, mode="block_writes")
    logger.info("schema %s placed on %s (from %s) in %.2f s", schema, target, current.node, seconds)
    return target


def _move(
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
