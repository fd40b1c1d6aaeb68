"""The console's move: checked at once, run by a task, its progress kept for the page.

The organization's page polls `move_progress`; the task (provisioning/tasks.py) runs
`organization_move_run`, which records each progress line and the outcome in the cache.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from shared_apps.tenants.audit import Actor
from shared_apps.tenants.db import citus
from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning.moves import (
    MoveRefused,
    organization_move,
    organization_move_check,
)
from shared_apps.tenants.provisioning.tasks import move_organization

_PROGRESS_KEPT = 24 * 3600  # seconds the organization's page shows the last move's outcome


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
