"""The fast path gives the same schemas as Django's executor, and fails the same way.

Two copies of one database are migrated through the same stages of a test-only app
(tests/deploy/fastpath_app, installed by tests.deploy.settings_fastpath only in these
subprocesses), one by `migrate_tenants` (fast path) and one by
`migrate_tenants --no-fast-path` (the executor for every schema); then every schema's
catalog, ledger, content types and permissions are compared.
"""

import re

from tests.deploy.conftest import DeployDatabase, output_of

SCHEMAS = ["tenant_template", "org_alpha", "org_bravo", "org_charlie"]
# Public records the tenant apps' migrations too (the router runs none of them there).
COMPARED = ["public", *SCHEMAS]
# The pilots (executor) are the first two in migration order; the others take the fast path.
FAST_SCHEMAS = ["org_bravo", "org_charlie"]


def migrate(database: DeployDatabase, stage: str, *flags: str) -> str:
    result = database.manage(
        "migrate_tenants", "--workers", "2", *flags,
        DJANGO_SETTINGS_MODULE="tests.deploy.settings_fastpath", FASTPATH_STAGE=stage,
    )  # fmt: skip
    assert result.returncode == 0, output_of(result)
    return result.stdout


def describe(database: DeployDatabase, schema: str) -> dict[str, list[tuple]]:
    """An independent description of a schema, from information_schema and pg_catalog."""
    queries = {
        "tables": "SELECT table_name, table_type FROM information_schema.tables"
        " WHERE table_schema = %(s)s",
        "columns": "SELECT table_name, column_name, ordinal_position, data_type,"
        " character_maximum_length, numeric_precision, is_nullable, column_default,"
        " is_identity, identity_generation, identity_start, identity_increment,"
        " identity_minimum, identity_maximum, identity_cycle, is_generated,"
        " generation_expression, collation_name"
        " FROM information_schema.columns WHERE table_schema = %(s)s",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %(s)s",
        "constraints": "SELECT cl.relname, c.conname, c.contype, pg_get_constraintdef(c.oid),"
        " c.condeferrable, c.condeferred, c.convalidated FROM pg_constraint c"
        " JOIN pg_class cl ON cl.oid = c.conrelid"
        " JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %(s)s",
        # With their ownership: which table's column owns each (identity or serial).
        "sequences": "SELECT s.sequencename, s.data_type, s.start_value, s.min_value,"
        " s.max_value, s.increment_by, s.cycle, s.last_value, owner.relname, a.attname,"
        " d.deptype FROM pg_sequences s"
        " JOIN pg_namespace n ON n.nspname = s.schemaname"
        " JOIN pg_class c ON c.relname = s.sequencename AND c.relnamespace = n.oid"
        " LEFT JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass"
        "  AND d.refclassid = 'pg_class'::regclass"
        " LEFT JOIN pg_class owner ON owner.oid = d.refobjid"
        " LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
        " WHERE s.schemaname = %(s)s",
        "ledger": 'SELECT app, name FROM "{schema}".django_migrations',
        "content_types": 'SELECT id, app_label, model FROM "{schema}".django_content_type',
        "permissions": 'SELECT id, content_type_id, codename, name FROM "{schema}".auth_permission',
    }
    described = {}
    for part, sql in queries.items():
        params = {"s": schema} if "%(s)s" in sql else {}
        rows = database.query(sql.replace("{schema}", schema), params)
        described[part] = sorted(
            tuple(None if v is None else str(v).replace(schema, "<s>") for v in row) for row in rows
        )
    return described


def assert_identical(fast: DeployDatabase, slow: DeployDatabase) -> None:
    for schema in COMPARED:
        by_fast_path, by_executor = describe(fast, schema), describe(slow, schema)
        for part in by_executor:
            assert by_fast_path[part] == by_executor[part], (schema, part)
    # Not vacuous: the app's tables, indexes, constraints and sequences are there.
    described = describe(fast, "org_charlie")
    assert {"deploy_fastpath_book_authors", "deploy_fastpath_bookcase"} <= {
        table for table, _type in described["tables"]
    }
    assert any(name == "fp_book_heading_idx" for _t, name, _d in described["indexes"])
    assert any(name == "fp_book_pages_max" for _t, name, *_rest in described["constraints"])
    assert any(owner == "deploy_fastpath_author" for *_s, owner, _a, _d in described["sequences"])


def test_fast_path_and_executor_build_identical_schemas(deploy_database, another_deploy_database):
    fast, slow = deploy_database, another_deploy_database
    for database in (fast, slow):
        migrate(database, "initial", "--no-fast-path")
        # As if the content type predates the model's rename: RenameModel renames it.
        for schema in SCHEMAS:
            database.execute(
                f"UPDATE \"{schema}\".django_content_type SET model = 'shelf'"
                " WHERE app_label = 'deploy_fastpath' AND model = 'bookcase'"
            )
    shelf_type = fast.query(
        "SELECT id FROM org_charlie.django_content_type WHERE model = 'shelf'"
    )  # fmt: skip

    by_fast_path = migrate(fast, "schema")
    by_executor = migrate(slow, "schema", "--no-fast-path")

    assert "Plan for 4 schema(s): deploy_fastpath.0002_fields_indexes_constraints" in by_fast_path
    assert "fast path: SQL collected from tenant_template and org_alpha" in by_fast_path
    assert re.search(r"public: applied 3 in [\d.]+ s \(ledger rows only", by_fast_path)
    for schema in FAST_SCHEMAS:
        assert re.search(rf"{schema}: applied 3 in [\d.]+ s \(fast path\)", by_fast_path), (
            by_fast_path
        )
    assert "executor: --no-fast-path" in by_executor and "(fast path)" not in by_executor
    assert_identical(fast, slow)
    # The plan adds a model (Author): it has its content type and permissions everywhere.
    for schema in SCHEMAS:
        assert fast.query(
            f"SELECT p.codename FROM {schema}.auth_permission p JOIN {schema}.django_content_type"
            " c ON c.id = p.content_type_id WHERE c.app_label = 'deploy_fastpath'"
            " AND c.model = 'author' ORDER BY 1"
        ) == [("add_author",), ("change_author",), ("delete_author",), ("view_author",)]
    # The content type was renamed in place (same id), not created anew.
    assert (
        fast.query("SELECT id FROM org_charlie.django_content_type WHERE model = 'bookcase'")
        == shelf_type
    )
    # Ledger rows carry the time each migration was recorded, in the order applied.
    applied = fast.query(
        "SELECT applied FROM org_charlie.django_migrations WHERE app = 'deploy_fastpath'"
        " ORDER BY name"
    )
    assert [row[0] for row in applied] == sorted(row[0] for row in applied)

    # A data migration takes the executor, in every schema.
    by_fast_path = migrate(fast, "data")
    migrate(slow, "data", "--no-fast-path")

    assert (
        "executor: deploy_fastpath_data.0001_first_books: RunPython needs Python and data"
        in by_fast_path
    )
    assert "(fast path)" not in by_fast_path
    # In public the router skips the RunPython too: its ledger row only.
    assert re.search(r"public: applied 1 in [\d.]+ s \(ledger rows only", by_fast_path)
    assert_identical(fast, slow)
    for database in (fast, slow):
        assert database.query(
            "SELECT b.heading, c.name FROM org_charlie.deploy_fastpath_book b"
            " JOIN org_charlie.deploy_fastpath_bookcase c ON c.id = b.shelf_id"
        ) == [("Welcome", "Front")]


def test_failing_schemas_on_either_path_are_rolled_back_and_the_others_complete(
    deploy_database,
):
    for slug in ("delta", "echo"):
        deploy_database.add_organization(slug)
    built = deploy_database.manage("migrate_tenants")
    assert built.returncode == 0, output_of(built)
    # The column the migration adds is already there: its ALTER TABLE fails, in a pilot
    # (the next schema becomes the pilot) and in a schema on the fast path, the middle one
    # of the message that carries charlie, delta and echo.
    for schema in ("org_alpha", "org_delta"):
        deploy_database.execute(f"ALTER TABLE {schema}.deploy_probe_gadget ADD colour text")

    first = deploy_database.manage("migrate_tenants", "--workers", "2", migrations="v2")

    assert first.returncode == 1, output_of(first)
    output = first.stdout
    assert re.search(r"org_alpha: FAILED after [\d.]+ s \(executor, pilot\): Programming", output)
    assert "fast path: SQL collected from tenant_template and org_bravo" in output, output
    # The column's and the index's SQL and the ledger row: no post_migrate rows.
    assert "and org_bravo, 4 statements in one message" in output, output
    assert re.search(
        r"org_delta: FAILED after [\d.]+ s \(executor after the fast path failed"
        r" \(ProgrammingError: column \"colour\" of relation \"deploy_probe_gadget\" already"
        r" exists\)\): ProgrammingError: column \"colour\"",
        output,
    ), output
    # Committed before delta's error in the same message, and sent again after it.
    for schema in ("org_charlie", "org_echo"):
        assert re.search(rf"{schema}: applied 1 in [\d.]+ s \(fast path\)", output), output
    assert "4 schema(s) migrated, 0 up to date, 2 failed" in output
    assert "Migrations failed in 2 schema(s): org_alpha, org_delta." in first.stderr
    for schema in ("org_alpha", "org_delta"):
        # All or nothing: no ledger row, no index, the column as it was.
        assert deploy_database.applied(schema) == ["0001_initial"]
        assert not deploy_database.query(
            "SELECT 1 FROM pg_indexes WHERE schemaname = %s"
            " AND indexname = 'probe_gadget_colour_idx'",
            (schema,),
        )
        assert deploy_database.query(
            "SELECT data_type, column_default FROM information_schema.columns WHERE"
            " table_schema = %s AND table_name = 'deploy_probe_gadget'"
            " AND column_name = 'colour'",
            (schema,),
        ) == [("text", None)]
        deploy_database.execute(f"ALTER TABLE {schema}.deploy_probe_gadget DROP colour")
    for schema in ("tenant_template", "org_bravo", "org_charlie", "org_echo"):
        assert deploy_database.applied(schema) == ["0001_initial", "0002_gadget_colour"]
        assert deploy_database.query(
            "SELECT 1 FROM pg_indexes WHERE schemaname = %s"
            " AND indexname = 'probe_gadget_colour_idx'",
            (schema,),
        ), schema
    # A plan that adds no model sends no content type or permission rows: the fast path's
    # schemas have the very rows the executor's (pilot) has.
    rows = {
        schema: deploy_database.query(
            f"SELECT c.id, c.app_label, c.model, p.id, p.codename FROM {schema}.django_content_type"
            f" c LEFT JOIN {schema}.auth_permission p ON p.content_type_id = c.id ORDER BY 1, 4"
        )
        for schema in ("org_bravo", "org_charlie", "org_echo")
    }
    assert rows["org_charlie"] == rows["org_echo"] == rows["org_bravo"] and rows["org_bravo"]

    rerun = deploy_database.manage("migrate_tenants", migrations="v2")

    assert rerun.returncode == 0, output_of(rerun)
    assert "executor: 2 schema(s) need this plan" in rerun.stdout
    assert "colour" in deploy_database.columns("org_delta", "deploy_probe_gadget")


def test_a_plan_whose_sql_differs_between_schemas_takes_the_executor(deploy_database):
    result = deploy_database.manage("migrate_tenants", "--workers", "2",
                                    migrations="python_default")  # fmt: skip

    assert result.returncode == 0, output_of(result)
    # Each schema's AddField carries its own uuid4() as the default of the existing rows.
    assert (
        "executor: deploy_probe.0002_gadget_token: its SQL differs between tenant_template"
        " and org_alpha" in result.stdout
    ), result.stdout
    assert "(fast path)" not in result.stdout
    for schema in ("org_bravo", "org_charlie"):
        assert re.search(rf"{schema}: applied 1 in [\d.]+ s \(executor\)", result.stdout)
        assert "token" in deploy_database.columns(schema, "deploy_probe_gadget")


def test_check_says_which_path_each_migration_takes(deploy_database):
    fast = deploy_database.manage("migrate_tenants", "--check", migrations="v2")
    assert fast.returncode == 1, output_of(fast)
    assert "Plan for 4 schema(s): deploy_probe.0002_gadget_colour" in fast.stdout
    assert "  fast path if the SQL collected from the first 2 schemas" in fast.stdout
    assert "  deploy_probe.0002_gadget_colour: fast path" in fast.stdout
    assert "Public schema: ledger rows only: the router runs none of these" in fast.stdout

    slow = deploy_database.manage("migrate_tenants", "--check", migrations="failing")
    assert slow.returncode == 1, output_of(slow)
    reason = "RunPython needs Python and data"
    assert f"  executor: deploy_probe.0003_fail_where_marked: {reason}" in slow.stdout
    assert "  deploy_probe.0002_gadget_colour: fast path" in slow.stdout
    assert f"  deploy_probe.0003_fail_where_marked: executor ({reason})" in slow.stdout
    no_fast_path = deploy_database.manage("migrate_tenants", "--check", "--no-fast-path",
                                          migrations="v2")  # fmt: skip
    assert "Public schema: executor: --no-fast-path" in no_fast_path.stdout
