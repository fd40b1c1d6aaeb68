"""Behind a real PgBouncer in transaction pooling mode, with one server connection shared
by two Django connections serving two organizations.

A session-level `search_path` outlives the transaction that set it on whichever server
connection PgBouncer lent, so a client that trusts what it set earlier reads another
organization's rows. The test shows that happening with the default setting, and not with
PGBOUNCER_TRANSACTION_MODE, where every transaction carries its own SET.
"""

import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django_tenants.postgresql_backend.base import FakeTenant

from shared_apps.tenants.db.backend.base import DatabaseWrapper
from tests.live import LiveProcess, free_port, scratch_database

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@pytest.fixture(scope="module")
def pooled_database() -> Iterator[dict]:
    """A database with two organization-like schemas, and PgBouncer in front of it."""
    if not os.path.exists(PGBOUNCER):
        reason = "pgbouncer is missing: `apt-get install pgbouncer` to run this test"
        if os.environ.get("CI"):
            pytest.fail(reason + " (.ci/run installs it)")
        pytest.skip(reason)
    name = f"tenantry_pgbouncer_{os.getpid()}"
    with scratch_database(name) as url, tempfile.TemporaryDirectory() as workdir:
        with psycopg.connect(url, autocommit=True) as setup:
            for schema, row in (("org_acme", "Acme secret"), ("org_globex", "Globex secret")):
                setup.execute(f'CREATE SCHEMA "{schema}"')
                setup.execute(f'CREATE TABLE "{schema}".notes (body text)')
                setup.execute(f'INSERT INTO "{schema}".notes VALUES (%s)', [row])
        db = connection.settings_dict
        host = db["HOST"] or "127.0.0.1"
        # Over a unix socket, PgBouncer runs as the socket's owner; over TCP, as nobody.
        owner = pwd.getpwuid(Path(host).stat().st_uid).pw_name if host.startswith("/") else "nobody"
        port = free_port()
        Path(workdir).chmod(0o777)
        config = Path(workdir) / "pgbouncer.ini"
        target = f"host={host} dbname={name} user={db['USER']}"
        if not host.startswith("/"):
            target += f" port={db['PORT'] or 5432}"
        config.write_text(
            f"[databases]\n{name} = {target}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
            "auth_type = any\npool_mode = transaction\n"
            "default_pool_size = 1\nmin_pool_size = 0\nmax_client_conn = 20\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {workdir}/pgbouncer.log\npidfile = {workdir}/pgbouncer.pid\n"
        )
        command = [PGBOUNCER, str(config)]
        if os.geteuid() == 0:
            command[1:1] = ["-u", owner]
        bouncer = LiveProcess(command, env=dict(os.environ), cwd=workdir)
        try:
            _wait_until_listening(port)
            yield {"NAME": name, "HOST": "127.0.0.1", "PORT": port}
        finally:
            bouncer.stop()


def _wait_until_listening(port: int) -> None:
    import socket
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"PgBouncer did not listen on {port}")


def _two_clients(pooled: dict, alias_prefix: str) -> tuple[DatabaseWrapper, DatabaseWrapper]:
    settings_dict = {**connection.settings_dict, **pooled, "CONN_MAX_AGE": None}
    acme = DatabaseWrapper(settings_dict, alias=f"{alias_prefix}_acme")
    globex = DatabaseWrapper(settings_dict, alias=f"{alias_prefix}_globex")
    acme.set_tenant(FakeTenant(schema_name="org_acme"))
    globex.set_tenant(FakeTenant(schema_name="org_globex"))
    return acme, globex


def _notes(client: DatabaseWrapper) -> list[str]:
    with client.cursor() as cursor:
        cursor.execute("SELECT body FROM notes")
        return [row[0] for row in cursor.fetchall()]


def _interleave(acme: DatabaseWrapper, globex: DatabaseWrapper) -> list[tuple[str, list[str]]]:
    seen = []
    try:
        for _ in range(3):
            seen.append(("acme", _notes(acme)))
            seen.append(("globex", _notes(globex)))
    finally:
        acme.close()
        globex.close()
    return seen


@pytest.mark.django_db
def test_without_the_setting_transaction_pooling_mixes_organizations(pooled_database, settings):
    settings.PGBOUNCER_TRANSACTION_MODE = False
    seen = _interleave(*_two_clients(pooled_database, "plain"))
    # The second time round, each client trusts a SET that PgBouncer's one server
    # connection no longer holds: this is why the setting exists.
    assert ("acme", ["Globex secret"]) in seen


@pytest.mark.django_db
def test_with_the_setting_each_organization_reads_only_its_own(pooled_database, settings):
    settings.PGBOUNCER_TRANSACTION_MODE = True
    seen = _interleave(*_two_clients(pooled_database, "pooled"))
    assert seen == [("acme", ["Acme secret"]), ("globex", ["Globex secret"])] * 3
