"""What a cold PostgreSQL backend costs a schema-per-tenant page, on one connection.

    uv run python -m tests.bench.bench_schema_caches [--database-url URL]

Needs the serving benchmark's database kept (`bench_serving --keep-database`: 1,000
organization schemas org_bench_NNNN). On one connection (one backend; no prepared
statements, as Django's connections), the tracker page's two queries (the signed-in
user, the project list with its task counts) run in every schema in turn, twice: the
first pass meets each schema's tables for the first time in this backend (relcache and
catcache entries loaded from the catalogs), the second finds them cached. Then, on a new
backend, a tenth of the schemas (what each of 10 schema-affine pooled connections
serves), cached; and as many requests in one schema, as the plain control serves. Prints
the backend's CPU (from /proc, via psutil; the server is on this machine) and the wall
time per request of each pass, and how many relations the page makes the planner open.
"""

import argparse
import time

import psutil
import psycopg

_TABLES = ["accounts_user", "tracker_project", "tracker_task"]
_USER = 'SELECT * FROM "accounts_user" WHERE "accounts_user"."id" = 1 LIMIT 21'
_PROJECTS = """
SELECT "tracker_project"."id", "tracker_project"."deleted_at", "tracker_project"."name",
  "tracker_project"."description", "tracker_project"."created_by_id",
  "tracker_project"."created_at",
  COUNT("tracker_task"."id") FILTER (WHERE "tracker_task"."deleted_at" IS NULL) AS "task_count",
  COUNT("tracker_task"."id") FILTER (WHERE ("tracker_task"."deleted_at" IS NULL AND NOT
    ("tracker_task"."status" = 'done' AND "tracker_task"."status" IS NOT NULL))) AS "open_count",
  "accounts_user".*
FROM "tracker_project"
LEFT OUTER JOIN "tracker_task" ON ("tracker_project"."id" = "tracker_task"."project_id")
LEFT OUTER JOIN "accounts_user" ON ("tracker_project"."created_by_id" = "accounts_user"."id")
WHERE "tracker_project"."deleted_at" IS NULL
GROUP BY "tracker_project"."id", "accounts_user"."id"
"""


def _request(conn: psycopg.Connection, schema: str) -> None:
    conn.execute(f"SET search_path = {schema}, public; SELECT '{schema}'::regnamespace")
    conn.execute(_USER).fetchall()
    conn.execute(_PROJECTS).fetchall()


def _pass(conn: psycopg.Connection, backend: psutil.Process, schemas: list[str]) -> tuple:
    cpu0, wall0 = sum(backend.cpu_times()[:2]), time.perf_counter()
    for schema in schemas:
        _request(conn, schema)
    cpu, wall = sum(backend.cpu_times()[:2]) - cpu0, time.perf_counter() - wall0
    return cpu * 1000 / len(schemas), wall * 1000 / len(schemas)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/tenantry_bench_serving"
    )
    parser.add_argument("--pattern", default="org_bench_%", help="schema names (LIKE)")
    args = parser.parse_args()
    with psycopg.connect(args.database_url, autocommit=True, prepare_threshold=None) as conn:
        schemas = [
            row[0]
            for row in conn.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY 1", [args.pattern]
            )
        ]
        relations = conn.execute(
            """SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = %s AND (c.relname = ANY(%s) OR c.oid IN (
                 SELECT indexrelid FROM pg_index WHERE indrelid IN (
                   SELECT oid FROM pg_class WHERE relnamespace = n.oid AND relname = ANY(%s))))""",
            [schemas[0], _TABLES, _TABLES],
        ).fetchone()[0]
        backend = psutil.Process(conn.info.backend_pid)
        first = _pass(conn, backend, schemas)
        second = _pass(conn, backend, schemas)
    with psycopg.connect(args.database_url, autocommit=True, prepare_threshold=None) as conn:
        # What one of 10 schema-affine connections serves: a tenth of the schemas.
        backend = psutil.Process(conn.info.backend_pid)
        tenth = schemas[: len(schemas) // 10]
        _pass(conn, backend, tenth)
        tenth_warm = _pass(conn, backend, tenth * 10)
    with psycopg.connect(args.database_url, autocommit=True, prepare_threshold=None) as conn:
        backend = psutil.Process(conn.info.backend_pid)
        _request(conn, schemas[0])
        one = _pass(conn, backend, [schemas[0]] * len(schemas))
    print(f"{len(schemas)} schemas; the page's queries open {relations} relations per schema")
    print(f"{'pass':<44} {'backend CPU ms/req':>19} {'wall ms/req':>12}")
    for name, (cpu, wall) in [
        ("1st pass over every schema (cold backend)", first),
        ("2nd pass over every schema (same backend)", second),
        ("a tenth of the schemas, 10 passes, cached", tenth_warm),
        ("one schema, as many requests (new backend)", one),
    ]:
        print(f"{name:<44} {cpu:>19.2f} {wall:>12.2f}")


if __name__ == "__main__":
    main()
