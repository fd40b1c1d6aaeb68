"""Deploy migrations at scale: django-tenants' standard and multiprocessing executors
against `migrate_tenants`, beside the raw-SQL floor, on one database holding N
organization schemas.

    uv run python tests/bench/bench_migrate.py --quick     # 100 schemas
    uv run python tests/bench/bench_migrate.py             # 1,000 schemas
    uv run python tests/bench/bench_migrate.py --schemas 10000 --skip standard multiprocessing
                                                           # the longer run
    uv run python tests/bench/bench_migrate.py --schemas 10000 --keep --skip standard \
        multiprocessing   # --keep: the database stays; the next run reuses its schemas

Scenarios, each timed as the whole command a deploy runs (process start included):
  (a) nothing to apply;
  (b) one new migration to apply in every schema: AddField with a default + AddIndex
      (tests/deploy/probe/migrations_v2/0002_gadget_colour.py).
The raw-SQL floor for (b) is what PostgreSQL needs whatever the tool: the migration's SQL
as `sqlmigrate` prints it for an organization schema, plus its django_migrations row,
sent by one connection per worker process, one message per schema (timed from the
workers' start; no Django, no process start). A second floor adds what Django's
`migrate` also does in each schema, and so `migrate_tenants` on either path: the
post_migrate receivers' content types and permissions of the migrated app, inserted
only when missing. The report gives (b) against both, and (b) - (a), which takes out
the process start, the lock and the ledger reads that both of its runs share.
Between the (b) runs every schema is put back to before that migration with plain SQL,
so each executor starts from the same state. The floors and migrate_tenants run in
alternating rounds (--rounds, 3 by default; django-tenants' executors once), and the
report compares their medians: on a shared machine one run moves by tens of percent.
The schemas are made by cloning one
migrated schema with its pg_dump output (seconds, instead of replaying migrations).

Runs against the embedded PostgreSQL under .data/ (started if needed) or DATABASE_URL's
server, in a database of its own that it drops at the end (kept with --keep).

Before timing anything it compiles the project and its dependencies to bytecode, as the
image is built (UV_COMPILE_BYTECODE=1): with PYTHONDONTWRITEBYTECODE=1 and no .pyc files,
every command would spend about two seconds compiling Django and the project again.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.deploy.settings_probe")

import psycopg  # noqa: E402
import psycopg.sql  # noqa: E402

from config.env import (  # noqa: E402
    DATA_DIR,
    embedded_database_url,
    embedded_services_needed,
)
from shared_apps.localdev import embedded  # noqa: E402

DATABASE = "tenantry_bench_migrate"
FLOOR = "raw SQL floor"
FLOOR_POST_MIGRATE = "floor+post_migrate"
SEED = "org_b00000"
# migrate_tenants' --workers; django-tenants' multiprocessing executor uses its default,
# TENANT_MULTIPROCESSING_MAX_PROCESSES = 2, the same.
WORKERS = 2
COMMANDS = {
    "standard": ["migrate_schemas", "--executor=standard", "--noinput", "-v", "0"],
    "multiprocessing": ["migrate_schemas", "--executor=multiprocessing", "--noinput", "-v", "0"],
    "migrate_tenants": ["migrate_tenants", "--workers", str(WORKERS), "-v", "0"],
}


def server_url(dbname: str) -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL") or embedded_database_url(DATA_DIR))
    return urlunsplit(parts._replace(scheme="postgresql", path=f"/{dbname}"))


def manage(database_url: str, *args: str, migrations: str) -> float:
    env = {**os.environ, "DATABASE_URL": database_url, "PROBE_MIGRATIONS": migrations,
           "DJANGO_SETTINGS_MODULE": "tests.deploy.settings_probe"}  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True)  # fmt: skip
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    for line in result.stdout.splitlines():
        if line.lstrip().startswith(("fast path:", "executor:")):
            print(f"    migrate_tenants said: {line.strip()}")
    # On a shared machine the wall time mostly measures the queue for a core: the CPU
    # the command and its workers used (not PostgreSQL's) is printed beside it.
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    print(f"    {args[0]}: {elapsed:.2f} s wall, {cpu:.2f} s CPU in its processes")
    return elapsed


def tenant_migration_sql(database_url: str) -> str:
    """The new migration's SQL for an organization schema, as `sqlmigrate` prints it."""
    env = {**os.environ, "DATABASE_URL": database_url, "PROBE_MIGRATIONS": "v2",
           "DJANGO_SETTINGS_MODULE": "tests.deploy.settings_probe"}  # fmt: skip
    printed = subprocess.run(
        [sys.executable, "manage.py", "tenant_command", "sqlmigrate", "deploy_probe",
         "0002_gadget_colour", "--schema", SEED],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    lines = [
        line for line in printed.splitlines()
        if line.strip() and not line.startswith("--") and line.strip() not in ("BEGIN;", "COMMIT;")
    ]  # fmt: skip
    if not lines:
        raise SystemExit(f"sqlmigrate printed no SQL:\n{printed}")
    return "\n".join(lines)


_LEDGER_ROW = (
    "INSERT INTO django_migrations (app, name, applied)"
    " VALUES ('deploy_probe', '0002_gadget_colour', clock_timestamp())"
)
# What Django's `migrate` also does in each schema, after the migration's SQL: its
# post_migrate receivers make sure the migrated app's content types and permissions
# exist (here they do: the statements insert nothing, but they read both tables, which
# PostgreSQL opens afresh in every schema). Written as two statements, the fewest.
_POST_MIGRATE_ROWS = """
INSERT INTO django_content_type (app_label, model) SELECT 'deploy_probe', 'gadget'
  WHERE NOT EXISTS (SELECT FROM django_content_type
                    WHERE app_label = 'deploy_probe' AND model = 'gadget');
INSERT INTO auth_permission (name, content_type_id, codename)
  SELECT v.name, c.id, v.codename FROM (VALUES (1, 'Can add gadget', 'add_gadget'),
    (2, 'Can change gadget', 'change_gadget'), (3, 'Can delete gadget', 'delete_gadget'),
    (4, 'Can view gadget', 'view_gadget')) v(position, name, codename)
  JOIN django_content_type c ON c.app_label = 'deploy_probe' AND c.model = 'gadget'
  WHERE NOT EXISTS (SELECT FROM auth_permission p
                    WHERE p.content_type_id = c.id AND p.codename = v.codename)
  ORDER BY v.position
""".strip()


def _floor_worker(job: tuple[str, list[str], str]) -> None:
    database_url, schemas, ddl = job
    with psycopg.connect(database_url, autocommit=True) as conn:
        for schema in schemas:
            # No parameters: psycopg sends it as one simple-query message, which
            # PostgreSQL runs as one transaction.
            conn.execute(
                f'SET LOCAL search_path = "{schema}", public;\n{ddl}\n{_LEDGER_ROW}'.encode()
            )


def raw_sql_floor(database_url: str, ddl: str, count: int) -> float:
    """(b) as raw SQL: one connection per worker, one message per schema (`ddl`: what
    each message holds before its ledger row)."""
    schemas = [f"org_b{number:05d}" for number in range(count)]
    jobs = [(database_url, schemas[worker::WORKERS], ddl) for worker in range(WORKERS)]
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"SET search_path = public; {_LEDGER_ROW}".encode())
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        pool.map(_floor_worker, jobs)
    return time.perf_counter() - started


def load() -> str:
    """The machine's 1-minute load average, printed beside each figure."""
    return f"load {os.getloadavg()[0]:.1f}"


def compile_bytecode() -> None:
    """.pyc files for every module a command imports (compileall skips fresh ones)."""
    paths = [sysconfig.get_paths()["purelib"], *(str(ROOT / part) for part in
             ("config", "shared_apps", "tenant_apps", "tests", "manage.py"))]  # fmt: skip
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", *paths],
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip


def pg_dump_binary() -> str:
    bundled = Path(embedded._pg_bin("pg_dump"))
    return str(bundled) if bundled.exists() else (shutil.which("pg_dump") or "pg_dump")


def clone_schemas(database_url: str, count: int) -> None:
    """org_b00001 … copies of the migrated SEED schema (DDL and rows), plus their rows."""
    dump = subprocess.run(
        [pg_dump_binary(), "--dbname", database_url, "--schema", SEED, "--inserts",
         "--no-owner", "--no-privileges"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    statements = "\n".join(
        line for line in dump.splitlines() if line and not line.startswith(("--", "\\"))
    )
    numbers = list(range(1, count))
    # Two connections: set-up at 10,000 schemas is otherwise longer than the runs.
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda part: _clone(database_url, statements, part),
                      [numbers[i::WORKERS] for i in range(WORKERS)]))  # fmt: skip


def _clone(database_url: str, statements: str, numbers: list[int]) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        for number in numbers:
            schema = f"org_b{number:05d}"
            with conn.transaction():
                conn.execute(statements.replace(SEED, schema).encode())
                conn.execute(
                    "INSERT INTO public.tenants_organization"
                    " (schema_name, name, slug, status, created_at, updated_at)"
                    " VALUES (%s, %s, %s, 'active', now(), now())",
                    (schema, f"Bench {number}", f"b{number:05d}"),
                )


def schemas_with_new_column(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name ="
            " 'deploy_probe_gadget' AND column_name = 'colour' AND table_schema LIKE 'org_b%'"
        ).fetchone()[0]


def undo_new_migration(database_url: str) -> None:
    """Every schema back to before 0002 (dropping the column drops its index), the
    provisioning template's too: one transaction per 500 schemas, which keeps its locks
    within PostgreSQL's lock table (all 10,000 at once exhaust it)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        schemas = [row[0] for row in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname IN ('public', 'tenant_template')"
            " OR nspname LIKE 'org\\_b%' ORDER BY nspname"
        )]  # fmt: skip
        for start in range(0, len(schemas), 500):
            conn.execute(_UNDO.format(psycopg.sql.Literal(schemas[start : start + 500])))


_UNDO = psycopg.sql.SQL("""
    DO $$
    DECLARE s text;
    BEGIN
      FOREACH s IN ARRAY {}::text[] LOOP
        EXECUTE format('ALTER TABLE IF EXISTS %I.deploy_probe_gadget
                        DROP COLUMN IF EXISTS colour', s);
        EXECUTE format('DELETE FROM %I.django_migrations WHERE app = %L AND name = %L',
                       s, 'deploy_probe', '0002_gadget_colour');
      END LOOP;
    END $$
""")


def timed(
    results: dict[str, dict[str, list[float]]],
    scenario: str,
    name: str,
    count: int,
    database_url: str,
    run: Callable[[], float],
) -> None:
    """Run one scenario, record and print its time; after (b), check every schema has
    the new column and put them all back (see undo_new_migration)."""
    seconds = run()
    results[scenario].setdefault(name, []).append(seconds)
    if scenario == "a":
        print(f"(a) nothing to apply   {name:<18} {seconds:8.2f} s   ({load()})", flush=True)
        return
    migrated = schemas_with_new_column(database_url)
    print(f"(b) AddField+AddIndex  {name:<18} {seconds:8.2f} s"
          f"   ({migrated}/{count} schemas have the new column; {load()})", flush=True)  # fmt: skip
    assert migrated == count, f"{name} left {count - migrated} schemas unmigrated"
    undo_new_migration(database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 schemas instead of 1,000")
    parser.add_argument("--schemas", type=int, help="number of organization schemas")
    parser.add_argument("--skip", nargs="*", default=[], choices=list(COMMANDS),
                        help="executors not to run (e.g. standard at large scale)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of the floors and migrate_tenants, alternated; medians "
                        "reported (one run on a shared machine moves by tens of %%)")  # fmt: skip
    parser.add_argument("--keep", action="store_true",
                        help="keep the database (named after the count) and reuse it when "
                        "it already holds the schemas: set-up at 10,000 takes a while")  # fmt: skip
    options = parser.parse_args()
    count = options.schemas or (100 if options.quick else 1000)
    database = f"{DATABASE}_{count}" if options.keep else DATABASE

    compile_bytecode()
    services = embedded.EmbeddedServices(DATA_DIR)
    services.start(**embedded_services_needed())
    admin_url = server_url("postgres")
    database_url = server_url(database)
    try:
        started = time.perf_counter()
        if options.keep and prepared_schemas(admin_url, database_url) == count:
            undo_new_migration(database_url)
            # The provisioning template is recaptured on v1, as after a fresh set-up.
            manage(database_url, "migrate_tenants", migrations="v1")
            print(f"Set-up: reusing {database} ({count} organization schemas)")
        else:
            set_up(admin_url, database_url, count)
            print(f"Set-up: {count} organization schemas in {time.perf_counter() - started:.1f} s")

        results: dict[str, dict[str, list[float]]] = {"a": {}, "b": {}}
        ddl = tenant_migration_sql(database_url)
        print(f"Raw-SQL floor statements per schema:\n{ddl}\n{_LEDGER_ROW}")
        print(f"… and, for the floor with post_migrate's rows, before the ledger row:\n"
              f"{_POST_MIGRATE_ROWS}")  # fmt: skip
        floors = {FLOOR: ddl, FLOOR_POST_MIGRATE: f"{ddl}\n{_POST_MIGRATE_ROWS};"}
        for round_number in range(1, options.rounds + 1):
            print(f"Round {round_number} of {options.rounds}")
            for name, statements in floors.items():
                timed(results, "b", name, count, database_url,
                      lambda s=statements: raw_sql_floor(database_url, s, count))  # fmt: skip
            for name, command in COMMANDS.items():
                # django-tenants' executors take minutes: their first round is enough.
                if name in options.skip or (round_number > 1 and name != "migrate_tenants"):
                    continue
                timed(results, "a", name, count, database_url,
                      lambda c=command: manage(database_url, *c, migrations="v1"))  # fmt: skip
                timed(results, "b", name, count, database_url,
                      lambda c=command: manage(database_url, *c, migrations="v2"))  # fmt: skip
        report(results, count, options)
    finally:
        if not options.keep:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        services.stop()


def prepared_schemas(admin_url: str, database_url: str) -> int:
    """How many organization schemas a kept database holds (0: none to reuse)."""
    with psycopg.connect(admin_url) as conn:
        name = urlsplit(database_url).path.lstrip("/")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return 0
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'org\\_b%'"
        ).fetchone()[0]


def set_up(admin_url: str, database_url: str, count: int) -> None:
    """A fresh database: public migrated, one organization migrated, cloned count - 1 times."""
    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    manage(database_url, "migrate_tenants", migrations="v1")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{SEED}"')
        conn.execute(
            "INSERT INTO tenants_organization (schema_name, name, slug, status, created_at,"
            " updated_at) VALUES (%s, 'Bench 0', 'b00000', 'active', now(), now())",
            (SEED,),
        )
    manage(database_url, "migrate_tenants", migrations="v1")
    clone_schemas(database_url, count)


def report(
    results: dict[str, dict[str, list[float]]], count: int, options: argparse.Namespace
) -> None:
    print()
    print(f"{count} organization schemas + public; {os.cpu_count()} CPUs; workers/processes ="
          f" {WORKERS} for the floor, multiprocessing and migrate_tenants;"
          f" load average at the end {os.getloadavg()[0]:.1f}")  # fmt: skip
    median = {key: {name: statistics.median(times) for name, times in by_name.items()}
              for key, by_name in results.items()}  # fmt: skip
    columns = list(results["b"])
    print(
        f"Median of {options.rounds} round(s) (the executors of django-tenants: one run);"
        " each run in brackets, in order:"
    )
    print(f"| scenario | {' | '.join(columns)} |")
    print("|---|" + "---:|" * len(columns))
    for key, title in (("a", "(a) nothing to apply"), ("b", "(b) AddField + AddIndex")):
        cells = [
            f"{median[key][c]:.2f} s ({', '.join(f'{t:.2f}' for t in results[key][c])})"
            if c in results[key] else "n/a"
            for c in columns
        ]  # fmt: skip
        print(f"| {title} | " + " | ".join(cells) + " |")
    ours_a, ours_b = median["a"].get("migrate_tenants"), median["b"].get("migrate_tenants")
    if ours_a is not None:
        budget = 2 if count <= 1000 else 5
        print(f"target (a) < {budget} s at {count} schemas: median {ours_a:.2f} s, slowest"
              f" {max(results['a']['migrate_tenants']):.2f} s")  # fmt: skip
    if ours_b is not None and ours_a is not None:
        # The floors are timed from their workers' start; the command from its process
        # start. (b) - (a) takes out what both of its runs share (process start, the
        # lock, reading every ledger): what applying the migration added.
        for name in (FLOOR, FLOOR_POST_MIGRATE):
            floor = median["b"][name]
            rounds = ", ".join(
                f"{ours / floor_time:.2f}x"
                for ours, floor_time in zip(results["b"]["migrate_tenants"],
                                            results["b"][name], strict=True)
            )  # fmt: skip
            print(f"target (b) <= 2x the {name}: medians {ours_b:.2f} s = {ours_b / floor:.2f}x "
                  f"({floor:.2f} s; each round {rounds}); (b) - (a) = {ours_b - ours_a:.2f} s ="
                  f" {(ours_b - ours_a) / floor:.2f}x")  # fmt: skip
    if ours_b is not None and "standard" in median["b"]:
        for key in ("a", "b"):
            ratio = median[key]["standard"] / median[key]["migrate_tenants"]
            print(f"speed-up over standard ({key}): {ratio:.1f}x")
    flag = " --quick" if options.quick else f" --schemas {count}" if options.schemas else ""
    skip = f" --skip {' '.join(options.skip)}" if options.skip else ""
    keep = " --keep" if options.keep else ""
    rounds = f" --rounds {options.rounds}" if options.rounds != 3 else ""
    print(f"rerun: uv run python tests/bench/bench_migrate.py{flag}{keep}{rounds}{skip}")


if __name__ == "__main__":
    main()
