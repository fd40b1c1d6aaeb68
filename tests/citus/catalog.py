"""What the Citus catalogs say about a schema, for the tests' assertions."""

from django.db import connection


def is_distributed_schema(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM citus_schemas WHERE schema_name::text = %s)", [schema]
        )
        return cursor.fetchone()[0]


def tables(schema: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY 1",
            [schema],
        )
        return [name for (name,) in cursor.fetchall()]


def local_tables(schema: str) -> list[str]:
    """Tables of `schema` that Citus does not know (left on the coordinator, undistributed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind = 'r' AND NOT EXISTS"
            " (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid) ORDER BY 1",
            [schema],
        )
        return [name for (name,) in cursor.fetchall()]


def assert_fully_distributed(schema: str) -> None:
    assert is_distributed_schema(schema), f"{schema} is not in citus_schemas"
    assert len(tables(schema)) > 10
    assert local_tables(schema) == [], f"{schema} has tables left on the coordinator"
