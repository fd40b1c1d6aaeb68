"""The deploy and lifecycle commands on a Citus database of their own, as a deploy runs
them (separate processes, committed work): `migrate_tenants` with and without work,
provisioning after it, placement on the least loaded worker, `organization import`, and
`organization placement|move|rebalance`. One scenario on one database: the tests run in
order, each starting from what the one before left."""

import json
from collections.abc import Iterator

import psycopg
import pytest

from tests.citus.cluster import scratch_database
from tests.deploy.conftest import DeployDatabase, output_of, succeeded


class CitusDeployDatabase(DeployDatabase):
    def __init__(self, name: str, url: str) -> None:
        super().__init__(name)
        self._url = url

    @property
    def url(self) -> str:
        return self._url

    def ok(self, *args: str, migrations: str = "v1") -> str:
        result = self.manage(*args, migrations=migrations)
        assert succeeded(result), output_of(result)
        return result.stdout

    def local_tables(self, schema: str) -> list[str]:
        return [
            name
            for (name,) in self.query(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = %s AND c.relkind = 'r' AND NOT EXISTS"
                " (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid)",
                (schema,),
            )
        ]

    def distributed(self, schema: str) -> bool:
        rows = self.query("SELECT 1 FROM citus_schemas WHERE schema_name::text = %s", (schema,))
        return bool(rows)

    def placement(self) -> dict[str, str]:
        """slug → "host:port", read from the catalogs (as `organization placement` does)."""
        rows = self.query(
            "SELECT o.slug, node.nodename || ':' || node.nodeport FROM tenants_organization o"
            " JOIN pg_dist_schema ds ON ds.schemaid = o.schema_name::regnamespace"
            " JOIN pg_dist_partition p ON p.colocationid = ds.colocationid"
            " JOIN pg_dist_shard sh ON sh.logicalrelid = p.logicalrelid"
            " JOIN pg_dist_placement pl ON pl.shardid = sh.shardid"
            " JOIN pg_dist_node node ON node.groupid = pl.groupid GROUP BY 1, 2"
        )
        return dict(rows)


@pytest.fixture(scope="module")
def citus_db() -> Iterator[CitusDeployDatabase]:
    with scratch_database("tenantry_citus_commands") as url:
        yield CitusDeployDatabase("tenantry_citus_commands", url)


def _assert_fully_distributed(db: CitusDeployDatabase, schema: str) -> None:
    assert db.distributed(schema), schema
    assert db.local_tables(schema) == []


def test_migrate_tenants_then_provisioning_then_a_deploy_with_and_without_work(citus_db):
    db = citus_db
    first = db.ok("migrate_tenants")
    assert "Template for fast provisioning captured" in first
    _assert_fully_distributed(db, "tenant_template")
    for slug in ("alpha", "bravo", "charlie"):
        db.ok("organization", "create", slug, "--name", slug.title())
        _assert_fully_distributed(db, f"org_{slug}")

    nothing = db.ok("migrate_tenants")
    assert "0 schema(s) migrated, 4 up to date, 0 failed" in nothing  # 3 + the template
    assert db.manage("migrate_tenants", "--check", migrations="v2").returncode == 1

    work = db.ok("migrate_tenants", migrations="v2")
    assert "4 schema(s) migrated, 0 up to date, 0 failed" in work, work
    for schema in ("org_alpha", "org_bravo", "org_charlie", "tenant_template"):
        assert "colour" in db.columns(schema, "deploy_probe_gadget")
        _assert_fully_distributed(db, schema)
    assert db.manage("migrate_tenants", "--check", migrations="v2").returncode == 0

    db.ok("organization", "create", "delta", "--name", "Delta", migrations="v2")
    _assert_fully_distributed(db, "org_delta")
    assert "colour" in db.columns("org_delta", "deploy_probe_gadget")


def test_new_organizations_go_to_the_least_loaded_worker(citus_db):
    db = citus_db
    before = db.placement()
    nodes = sorted(set(before.values()))
    assert len(nodes) == 2
    # Pile every organization onto one worker; the next new one must go to the other.
    for slug, node in before.items():
        if node != nodes[0]:
            db.ok("organization", "move", slug, "--to", nodes[0], migrations="v2")
    assert set(db.placement().values()) == {nodes[0]}
    # Two in a row: Citus's own round robin would put one of them on each worker.
    for slug in ("echo", "golf"):
        db.ok("organization", "create", slug, "--name", slug.title(), migrations="v2")
        assert db.placement()[slug] == nodes[1], slug
    listed = json.loads(db.ok("organization", "--json", "placement", migrations="v2"))
    assert {row["slug"]: row["node"] for row in listed} == db.placement()
    assert all(row["size_bytes"] > 0 for row in listed)

    plan = json.loads(db.ok("organization", "--json", "rebalance", "--dry-run", migrations="v2"))
    assert plan and all(move["target"] == nodes[1] for move in plan)
    db.ok("organization", "rebalance", migrations="v2")
    counts = list(db.placement().values())
    assert abs(counts.count(nodes[0]) - counts.count(nodes[1])) <= 1
    moves = db.query("SELECT count(*) FROM tenants_auditevent WHERE action = 'organization.move'")
    assert moves[0][0] >= len(plan)


def test_export_then_import_gives_the_same_rows_and_working_identities(citus_db, tmp_path):
    db = citus_db
    with psycopg.connect(db.url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO org_alpha.tracker_project (name, description, created_at)"
            " SELECT 'project ' || i, '', now() FROM generate_series(1, 25) i"
        )
    exported = json.loads(db.ok("organization", "--json", "export", "alpha", migrations="v2"))
    db.ok(
        "organization", "import", exported["file"], "alpha-copy", "--name", "Copy", migrations="v2"
    )
    _assert_fully_distributed(db, "org_alpha_copy")
    names = "SELECT name FROM {}.tracker_project ORDER BY id"
    assert db.query(names.format("org_alpha_copy")) == db.query(names.format("org_alpha"))
    with psycopg.connect(db.url, autocommit=True) as conn:
        new_id = conn.execute(
            "INSERT INTO org_alpha_copy.tracker_project (name, description, created_at)"
            " VALUES ('after import', '', now()) RETURNING id"
        ).fetchone()[0]
    highest = db.query("SELECT max(id) FROM org_alpha.tracker_project")[0][0]
    assert new_id == highest + 1


def test_schema_pool_fill_then_a_claim_gives_a_distributed_organization(citus_db):
    db = citus_db
    db.ok("schema_pool", "fill", "--size", "2", migrations="v2")
    pooled = [name for (name,) in db.query("SELECT schema_name FROM tenants_pooledschema")]
    assert len(pooled) == 2
    for schema in pooled:
        _assert_fully_distributed(db, schema)
    db.ok("organization", "create", "foxtrot", "--name", "Foxtrot", migrations="v2")
    left = [name for (name,) in db.query("SELECT schema_name FROM tenants_pooledschema")]
    assert len(left) == 1 and set(left) < set(pooled)
    _assert_fully_distributed(db, "org_foxtrot")
    assert "colour" in db.columns("org_foxtrot", "deploy_probe_gadget")
