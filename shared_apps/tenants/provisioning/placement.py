"""Where organizations live on a Citus cluster: the placements, the load per worker,
the rebalancing plan and its execution, and placing each new schema on the least loaded
worker. Used by the console and `manage.py organization placement|rebalance`; the moves
themselves are in moves.py, the console's queued move in move_requests.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError

from shared_apps.tenants.audit import Actor
from shared_apps.tenants.db import citus
from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning.moves import Move, MoveRefused, organization_move, schema_move
from shared_apps.tenants.provisioning.template import TEMPLATE_SCHEMA

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrganizationPlacement:
    slug: str
    schema: str
    node: citus.Node | None
    size_bytes: int | None


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
    seconds = schema_move(schema, target, mode="block_writes")
    logger.info("schema %s placed on %s (from %s) in %.2f s", schema, target, current.node, seconds)
    return target
