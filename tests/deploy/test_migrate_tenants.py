"""`manage.py migrate_tenants` against a database of its own, in real processes."""

import re
import time

import psycopg

from shared_apps.operations.migration_lock import MIGRATION_LOCK_KEY
from tests.deploy.conftest import ORGANIZATIONS, output_of, succeeded
from tests.deploy.probe.migrations_blocking import TEST_GATE_LOCK

SCHEMAS = [f"org_{slug}" for slug in ORGANIZATIONS]


def test_migrates_public_then_every_organization_in_worker_processes(deploy_database):
    process = deploy_database.popen("migrate_tenants", "--workers", "2", "-v", "2",
                                    migrations="v2")  # fmt: skip
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output

    lines = output.splitlines()
    public_line = next(i for i, line in enumerate(lines) if line.startswith("[1/1] public:"))
    # The three organizations and the provisioning template schema, after public.
    tenant_lines = [
        i for i, line in enumerate(lines) if re.match(r"\[\d/4\] (org_|tenant_template)", line)
    ]
    assert len(tenant_lines) == 4 and public_line < min(tenant_lines), output
    # A tenant app's migration: public only records it, in one message, no executor.
    assert (
        "(ledger rows only: the router runs none of these migrations in public)"
        in (lines[public_line])
    ), output
    assert "to migrate 4 with 2 worker process(es)" in output
    # The first two run the executor in the worker processes, submitted at once, and their
    # SQL is compiled for the other two, which the workers migrate in one round trip each.
    # (Which worker takes which pilot is the pool's: one that finished its pilot before the
    # other worker started may take both, as a CI run on 2026-12-03 showed.)
    pilots = re.findall(r"(\w+): applied 1 .* \(executor, pilot\), worker pid (\d+)", output)
    assert [schema for schema, _pid in pilots] == ["tenant_template", "org_alpha"], output
    pilot_pids = {int(pid) for _schema, pid in pilots}
    assert pilot_pids and process.pid not in pilot_pids, output
    assert "fast path: SQL collected from tenant_template and org_alpha" in output
    fast = re.findall(r"org_\w+: applied 1 .* \(fast path\), worker pid (\d+)", output)
    worker_pids = {int(pid) for pid in fast}
    assert len(re.findall(r"\(fast path\)", output)) == 2, output
    assert worker_pids and process.pid not in worker_pids, output
    assert "Done in" in output and "4 schema(s) migrated, 0 up to date, 0 failed" in output
    # By a worker, right after the template schema's migration, beside the other schemas.
    captured_by = re.search(r"Template for fast provisioning captured \(\d+ statements, "
                            r"worker pid (\d+)\)", output)  # fmt: skip
    assert captured_by and int(captured_by[1]) in pilot_pids | worker_pids, output

    for schema in SCHEMAS:
        assert f"{schema}: applied 1 " in output
        assert deploy_database.applied(schema) == ["0001_initial", "0002_gadget_colour"]
        assert "colour" in deploy_database.columns(schema, "deploy_probe_gadget")
        assert deploy_database.query(
            "SELECT 1 FROM pg_indexes WHERE schemaname = %s AND indexname = %s",
            (schema, "probe_gadget_colour_idx"),
        )
    # The probe is a tenant app: public records the migration without the table.
    assert deploy_database.applied("public") == ["0001_initial", "0002_gadget_colour"]
    assert deploy_database.columns("public", "deploy_probe_gadget") == set()


def test_up_to_date_schemas_are_skipped_and_a_new_schema_is_built(deploy_database):
    before = deploy_database.query(
        "SELECT max(applied) FROM org_alpha.django_migrations"
    )  # fmt: skip
    deploy_database.add_organization("delta")

    result = deploy_database.manage("migrate_tenants", "--workers", "2")

    assert succeeded(result), output_of(result)
    assert "public: up to date" in result.stdout
    assert "Organization schemas: 5; up to date 4; to migrate 1" in result.stdout
    assert re.search(r"\[1/1\] org_delta: applied \d+ ", result.stdout)
    for schema in SCHEMAS:
        assert f"] {schema}:" not in result.stdout
    assert deploy_database.query("SELECT max(applied) FROM org_alpha.django_migrations") == before
    assert deploy_database.applied("org_delta") == ["0001_initial"]
    # Built from nothing, it matches the others table for table.
    tables = "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1"
    assert deploy_database.query(tables, ("org_delta",)) == deploy_database.query(
        tables, ("org_alpha",)
    )

    again = deploy_database.manage("migrate_tenants")
    assert "up to date 5; to migrate 0" in again.stdout and succeeded(again)
    # Nothing changed and the template's snapshot matches the code: it is not recaptured.
    assert "Template for fast provisioning captured" not in again.stdout


def test_check_lists_pending_migrations_per_schema_and_sets_the_exit_code(deploy_database):
    clean = deploy_database.manage("migrate_tenants", "--check")
    assert clean.returncode == 0, output_of(clean)
    assert "All 5 schema(s) are up to date." in clean.stdout

    pending = deploy_database.manage("migrate_tenants", "--check", migrations="v2")
    assert pending.returncode == 1, output_of(pending)
    for schema in ("public", *SCHEMAS):
        assert f"{schema}: 1 pending: deploy_probe.0002_gadget_colour" in pending.stdout
    assert "5 of 5 schema(s) have pending migrations." in pending.stdout

    plan = deploy_database.manage("migrate_tenants", "--plan", migrations="v2")
    assert plan.returncode == 1 and plan.stdout == pending.stdout
    # --check changed nothing.
    assert deploy_database.applied("org_alpha") == ["0001_initial"]


def test_a_failing_schema_is_rolled_back_the_others_complete_and_a_rerun_resumes(
    deploy_database,
):
    deploy_database.execute("CREATE TABLE org_bravo.fail_here (id int)")

    first = deploy_database.manage("migrate_tenants", "--workers", "2", migrations="failing")

    assert first.returncode == 1, output_of(first)
    assert re.search(
        r"org_bravo: FAILED after [\d.]+ s \(executor\): RuntimeError: this schema is marked"
        r" to fail",
        first.stdout,
    ), first.stdout
    assert "Migrations failed in 1 schema(s): org_bravo." in first.stderr
    assert "3 schema(s) migrated, 0 up to date, 1 failed" in first.stdout
    for schema in ("org_alpha", "org_charlie"):
        assert deploy_database.applied(schema) == [
            "0001_initial", "0002_gadget_colour", "0003_fail_where_marked"
        ]  # fmt: skip
    # All or nothing: 0002 ran in org_bravo before 0003 failed, and left no trace.
    assert deploy_database.applied("org_bravo") == ["0001_initial"]
    assert "colour" not in deploy_database.columns("org_bravo", "deploy_probe_gadget")
    # The template schema was migrated: a worker captured it, whatever org_bravo did.
    assert "Template for fast provisioning captured" in first.stdout
    assert deploy_database.query(
        "SELECT statements::text LIKE '%%colour%%' FROM tenants_schematemplate"
    ) == [(True,)]

    deploy_database.execute("DROP TABLE org_bravo.fail_here")
    rerun = deploy_database.manage("migrate_tenants", migrations="failing")

    assert rerun.returncode == 0, output_of(rerun)
    assert "up to date 3; to migrate 1" in rerun.stdout
    assert "[1/1] org_bravo: applied 2 " in rerun.stdout
    assert "colour" in deploy_database.columns("org_bravo", "deploy_probe_gadget")


def _read_until(process, text: str, seen: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"never saw {text!r}:\n" + "".join(seen))


def test_a_second_run_waits_for_the_first_or_exits_with_a_clear_message(deploy_database):
    # The blocking variant's migration waits while we hold this lock: the first run is
    # kept inside its migrations, holding the migration lock, until we let it go.
    gate = psycopg.connect(deploy_database.url, autocommit=True)
    gate.execute("SELECT pg_advisory_lock(%s)", (TEST_GATE_LOCK,))
    first = deploy_database.popen("migrate_tenants", "--workers", "1", migrations="blocking")
    second = None
    seen_first: list[str] = []
    seen_second: list[str] = []
    try:
        _read_until(first, "to migrate 4", seen_first)

        impatient = deploy_database.manage("migrate_tenants", "--no-wait", migrations="blocking")
        assert impatient.returncode == 75, output_of(impatient)
        assert "Another migration run holds the lock" in impatient.stderr
        assert "tenantry migrate_tenants" in impatient.stderr

        second = deploy_database.popen("migrate_tenants", "--lock-wait", "120",
                                       migrations="blocking")  # fmt: skip
        _read_until(second, "Waiting up to 120 s for another migration run", seen_second)
        gate.execute("SELECT pg_advisory_unlock(%s)", (TEST_GATE_LOCK,))

        rest_first, _ = first.communicate(timeout=120)
        rest_second, _ = second.communicate(timeout=120)
    finally:
        gate.close()
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
    assert first.returncode == 0, "".join(seen_first) + rest_first
    assert second.returncode == 0, "".join(seen_second) + rest_second
    # It waited for the first to finish: nothing was left for it, nothing ran twice.
    assert "up to date 4; to migrate 0" in rest_second
    for schema in SCHEMAS:
        assert deploy_database.applied(schema) == ["0001_initial", "0002_wait_for_the_test"]


def test_a_run_gives_up_after_the_lock_wait_with_who_holds_it(deploy_database):
    with psycopg.connect(deploy_database.url, autocommit=True) as holder:
        holder.execute("SET application_name = 'another deploy'")
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        result = deploy_database.manage("migrate_tenants", "--lock-wait", "1", migrations="v2")

    assert result.returncode == 75, output_of(result)
    assert "another deploy" in result.stderr and "after waiting 1 s" in result.stderr
    assert deploy_database.applied("public") == ["0001_initial"]


def test_a_squashed_migration_is_followed_from_any_starting_point(deploy_database):
    # The schemas recorded 0001 only: part of what the squash replaces. Django's own
    # per-schema loader decides; the rest of the squash (0002) is applied.
    partly = deploy_database.manage("migrate_tenants", "--check", migrations="squashed")
    assert partly.returncode == 1
    assert "org_alpha: 1 pending: deploy_probe.0001_squashed_0002_gadget_colour" in partly.stdout

    result = deploy_database.manage("migrate_tenants", "--workers", "2", migrations="squashed")

    assert result.returncode == 0, output_of(result)
    for schema in SCHEMAS:
        assert "colour" in deploy_database.columns(schema, "deploy_probe_gadget")
        assert deploy_database.applied(schema) == [
            "0001_initial", "0001_squashed_0002_gadget_colour", "0002_gadget_colour"
        ]  # fmt: skip
    # Schemas that recorded all the replaced migrations count as up to date.
    again = deploy_database.manage("migrate_tenants", "--check", migrations="squashed")
    assert again.returncode == 0, output_of(again)
    assert "All 5 schema(s) are up to date." in again.stdout
