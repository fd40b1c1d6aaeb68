"""Databases of their own for the deploy tests, on the test session's PostgreSQL server.

The migrate command, the entrypoint and its roles run in other processes, which see only
committed data: each test gets a fresh database copied (CREATE DATABASE … TEMPLATE) from
one built once per session with the public schema and three organizations migrated to
the probe app's `v1` migrations. The probe app (tests/deploy/probe) supplies the new,
failing and slow migrations; the real apps' migrations are never touched.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.live import server_dsn

ROOT = Path(settings.BASE_DIR)
ORGANIZATIONS = ("alpha", "bravo", "charlie")
_counter = itertools.count()


def _admin(sql: str) -> None:
    with psycopg.connect(server_dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql)


@dataclass
class DeployDatabase:
    name: str

    @property
    def url(self) -> str:
        return server_dsn(self.name)

    def env(self, migrations: str = "v1", **extra: str) -> dict[str, str]:
        """The environment of a process of the project pointed at this database."""
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.deploy.settings_probe",
            "PROBE_MIGRATIONS": migrations,
            "DATABASE_URL": self.url,
            "REDIS_URL": settings.REDIS_URL,
            "PYTHONUNBUFFERED": "1",
            **extra,
        }

    def manage(
        self, *args: str, migrations: str = "v1", timeout: float = 120, **extra_env: str
    ) -> subprocess.CompletedProcess:
        """Run manage.py against this database; `extra_env` adds or overrides variables
        (e.g. DJANGO_SETTINGS_MODULE)."""
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(migrations, **extra_env),
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip

    def popen(self, *args: str, migrations: str = "v1") -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env(migrations), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params).fetchall()

    def execute(self, sql: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql)

    def add_organization(self, slug: str) -> str:
        """An organization row and an empty schema: migrate_tenants builds the rest."""
        schema = f"org_{slug}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
            conn.execute(
                "INSERT INTO tenants_organization"
                " (schema_name, name, slug, status, created_at, updated_at)"
                " VALUES (%s, %s, %s, 'active', now(), now())",
                (schema, slug.title(), slug),
            )
        return schema

    def columns(self, schema: str, table: str) -> set[str]:
        rows = self.query(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s",
            (schema, table),
        )
        return {name for (name,) in rows}

    def applied(self, schema: str, app: str = "deploy_probe") -> list[str]:
        return [
            name
            for (name,) in self.query(
                f'SELECT name FROM "{schema}".django_migrations WHERE app = %s ORDER BY name',
                (app,),
            )
        ]


def succeeded(result: subprocess.CompletedProcess) -> bool:
    return result.returncode == 0


def output_of(result: subprocess.CompletedProcess) -> str:
    return (result.stdout or "") + (result.stderr or "")


@pytest.fixture(scope="session")
def deploy_template_database() -> Iterator[DeployDatabase]:
    database = DeployDatabase(f"tenantry_deploy_base_{os.getpid()}")
    _admin(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{database.name}"')
    try:
        public = database.manage("migrate_tenants")
        assert succeeded(public), output_of(public)
        for slug in ORGANIZATIONS:
            database.add_organization(slug)
        tenants = database.manage("migrate_tenants")
        assert succeeded(tenants), output_of(tenants)
        yield database
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


def _copy_of(template: DeployDatabase) -> Iterator[DeployDatabase]:
    database = DeployDatabase(f"tenantry_deploy_{os.getpid()}_{next(_counter)}")
    _admin(f'CREATE DATABASE "{database.name}" TEMPLATE "{template.name}"')
    try:
        yield database
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


@pytest.fixture
def deploy_database(deploy_template_database: DeployDatabase) -> Iterator[DeployDatabase]:
    """A fresh copy: public and org_alpha, org_bravo, org_charlie at the probe's v1."""
    yield from _copy_of(deploy_template_database)


@pytest.fixture
def another_deploy_database(deploy_template_database: DeployDatabase) -> Iterator[DeployDatabase]:
    """A second fresh copy, for tests that compare two ways of migrating the same start."""
    yield from _copy_of(deploy_template_database)
