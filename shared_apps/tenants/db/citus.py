"""Citus schema-based sharding: is it on, where does each schema live, and moving one.

With `citus.enable_schema_based_sharding`, every schema created on the coordinator becomes
a distributed schema whose tables all live on one worker; the coordinator keeps only
empty shells. What that changes for Tenantry (docs/scaling.md):

* DDL that Citus forwards to a worker must come one statement per message (a `;`-joined
  batch is refused: "cannot insert multiple commands into a prepared statement", Citus
  #6608), see `statements_run`.
* Any statement naming a distributed table runs on its worker, `setval(...) FROM t`
  included, so sequences are set from literal values (template.py, exports.py).
* Sizes and placement come from Citus's catalogs (`citus_shards`), not the coordinator's.
* `citus_schema_move` moves a schema to another node; it cannot move a schema created in
  the same transaction, so new organizations are placed right after their commit.

`citus_enabled()` asks the database once per process (or trusts `CITUS_MODE`), so plain
PostgreSQL pays nothing on any path.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

_detected: dict[tuple[Any, ...], bool] = {}

_DETECT = (
    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')"
    " AND coalesce(current_setting('citus.enable_schema_based_sharding', true), 'off') = 'on'"
)


def citus_enabled() -> bool:
    """True when the database is a Citus coordinator sharding by schema.

    `CITUS_MODE` "on"/"off" decides without asking; "auto" asks once per process and
    database (the answer cannot change without a restart of the cluster's configuration).
    """
    mode = getattr(settings, "CITUS_MODE", "auto")
    if mode in ("on", "off"):
        return mode == "on"
    params = connection.settings_dict
    key = (params.get("NAME"), params.get("HOST"), params.get("PORT"))
    if key not in _detected:
        with connection.cursor() as cursor:
            cursor.execute(_DETECT)
            _detected[key] = bool(cursor.fetchone()[0])
    return _detected[key]


def statements_run(cursor: Any, statements: Iterable[str]) -> None:
    """Run DDL so that Citus accepts it: one statement per execute (Citus #6608)."""
    for statement in statements:
        cursor.execute(statement)


@dataclass(frozen=True, order=True)
class Node:
    """A worker that can hold distributed schemas, as "host:port"."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"

    @classmethod
    def parse(cls, text: str) -> Node:
        host, _, port = text.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"“{text}” is not HOST:PORT")
        return cls(host, int(port))


@dataclass(frozen=True)
class Placement:
    schema: str
    node: Node
    size_bytes: int | None


def worker_nodes() -> list[Node]:
    """The active primary nodes allowed to hold shards, in a stable order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nodename, nodeport FROM pg_dist_node WHERE isactive AND noderole = 'primary'"
            " AND shouldhaveshards ORDER BY nodename, nodeport"
        )
        return [Node(host, port) for host, port in cursor.fetchall()]


# Schemas chosen by %(schemas)s (a text array), or all of them when it is NULL.
_PLACEMENTS = (
    "SELECT DISTINCT ON (n.nspname) n.nspname, node.nodename, node.nodeport, NULL"
    " FROM pg_dist_schema ds JOIN pg_namespace n ON n.oid = ds.schemaid"
    " JOIN pg_dist_partition p ON p.colocationid = ds.colocationid"
    " JOIN pg_dist_shard sh ON sh.logicalrelid = p.logicalrelid"
    " JOIN pg_dist_placement pl ON pl.shardid = sh.shardid"
    " JOIN pg_dist_node node ON node.groupid = pl.groupid AND node.noderole = 'primary'"
    " WHERE (%(schemas)s::text[] IS NULL OR n.nspname = ANY(%(schemas)s))"
    " ORDER BY n.nspname"
)
_PLACEMENTS_WITH_SIZES = (
    "SELECT n.nspname, s.nodename, s.nodeport, coalesce(sum(s.shard_size), 0)"
    " FROM citus_shards s JOIN pg_class c ON c.oid = s.table_name"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE s.citus_table_type = 'schema'"
    " AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY(%(schemas)s))"
    " GROUP BY n.nspname, s.nodename, s.nodeport"
)


def placements(schemas: list[str] | None = None, *, sizes: bool = False) -> dict[str, Placement]:
    """Where each distributed schema lives (from the coordinator's metadata, no worker
    asked); with `sizes`, also the bytes of all its shards (`citus_shards`, which asks
    every worker: for the console, not for hot paths)."""
    sql = _PLACEMENTS_WITH_SIZES if sizes else _PLACEMENTS
    params = {"schemas": schemas}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        schema: Placement(schema, Node(host, port), None if size is None else int(size))
        for schema, host, port, size in rows
    }


def least_loaded(loads: dict[Node, int]) -> Node | None:
    """The node holding the fewest, the first in order on a tie."""
    if not loads:
        return None
    return min(loads, key=lambda node: (loads[node], node))
