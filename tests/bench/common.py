"""What every benchmark starts from: a fresh database on the configured server."""


def fresh_database(name: str) -> None:
    """Drop and create database `name`, point Django's connection at it, and migrate the
    public schema. Django must be set up."""
    import psycopg
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"],
        password=db["PASSWORD"] or None, dbname="postgres", autocommit=True,
    ) as admin:  # fmt: skip
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    connections.close_all()
    db["NAME"] = name
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
