"""The plain control's database backend: Django's own PostgreSQL backend, naming the one
schema its search_path is fixed on (BENCH_PLAIN_SCHEMA), as an API token's digest reads
`connection.schema_name`. Nothing else of tenancy."""

from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper

from config.env import env


class DatabaseWrapper(PostgreSQLDatabaseWrapper):
    schema_name = env.str("BENCH_PLAIN_SCHEMA")
