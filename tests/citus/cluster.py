"""A real Citus cluster on this machine: a coordinator and two workers, as three data
directories of the machine's PostgreSQL 15 with the Citus extension built into it
(`../shared/citus/build.sh`).

Run the Citus part of the suite inside one:

    uv run python -m tests.citus.cluster -- uv run pytest tests/citus

It starts the three servers on free ports under a temporary folder, creates the database
with `citus.enable_schema_based_sharding` on, exports DATABASE_URL (the coordinator) and
TENANTRY_CITUS_WORKERS, runs the command, and stops and removes everything afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("CITUS_PG_BIN", "/usr/lib/postgresql/15/bin"))
DATABASE = "tenantry_citus"
# initdb refuses root; the servers then run as Debian's `postgres` user.
SERVER_USER = "postgres"


@dataclass(frozen=True)
class Node:
    name: str
    port: int
    data_dir: Path

    def dsn(self, dbname: str = DATABASE) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"


def citus_available() -> bool:
    pkglib = subprocess.run(
        [str(PG_BIN / "pg_config"), "--pkglibdir"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return bool(pkglib) and (Path(pkglib) / "citus.so").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", SERVER_USER, "--", *argv]


def _run(argv: list[str]) -> None:
    subprocess.run(_as_server_user(argv), check=True, capture_output=True, text=True)


def _init(node: Node) -> None:
    _run([str(PG_BIN / "initdb"), "-D", str(node.data_dir), "-U", "postgres", "-A", "trust"])
    with (node.data_dir / "postgresql.conf").open("a") as conf:
        conf.write(
            "\n".join(
                [
                    "shared_preload_libraries = 'citus'",
                    "wal_level = logical",  # non-blocking citus_schema_move
                    "max_connections = 200",
                    f"port = {node.port}",
                    "listen_addresses = '127.0.0.1'",
                    f"unix_socket_directories = '{node.data_dir}'",
                    "fsync = off",
                    "synchronous_commit = off",
                    "full_page_writes = off",
                    "citus.log_distributed_deadlock_detection = off",
                    "",
                ]
            )
        )


def _start(node: Node) -> None:
    log = node.data_dir / "server.log"
    _run([str(PG_BIN / "pg_ctl"), "-D", str(node.data_dir), "-l", str(log), "-w", "start"])


def _stop(node: Node) -> None:
    with contextlib.suppress(subprocess.CalledProcessError):
        _run([str(PG_BIN / "pg_ctl"), "-D", str(node.data_dir), "-m", "fast", "-w", "stop"])


def _with_database(dsn: str, name: str) -> str:
    return dsn.rsplit("/", 1)[0] + f"/{name}"


def database_prepare(coordinator: str, workers: list[str], name: str) -> None:
    """Database `name` on every node (DSNs of any database there), with the extension, the
    workers registered with the coordinator and schema-based sharding on."""
    import psycopg

    for dsn in [coordinator, *workers]:
        with psycopg.connect(_with_database(dsn, "postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(_with_database(dsn, name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION citus")
    with psycopg.connect(_with_database(coordinator, name), autocommit=True) as conn:
        port = int(conn.info.port)
        conn.execute(f"SELECT citus_set_coordinator_host('127.0.0.1', {port})")
        for dsn in workers:
            worker_port = int(dsn.rsplit(":", 1)[1].split("/")[0])
            conn.execute(f"SELECT citus_add_node('127.0.0.1', {worker_port})")
        conn.execute(f'ALTER DATABASE "{name}" SET citus.enable_schema_based_sharding = on')


def database_drop(coordinator: str, workers: list[str], name: str) -> None:
    import psycopg

    for dsn in [coordinator, *workers]:
        with psycopg.connect(_with_database(dsn, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """Inside a running cluster (DATABASE_URL, TENANTRY_CITUS_WORKERS): a Citus database of
    its own for a test's subprocesses, dropped on every node afterwards; yields its URL."""
    coordinator = os.environ["DATABASE_URL"]
    workers = os.environ["TENANTRY_CITUS_WORKERS"].split(",")
    database_drop(coordinator, workers, name)
    database_prepare(coordinator, workers, name)
    try:
        yield _with_database(coordinator, name)
    finally:
        database_drop(coordinator, workers, name)


@contextlib.contextmanager
def cluster(workers: int = 2) -> Iterator[list[Node]]:
    """Coordinator first, then the workers; everything is removed on exit."""
    if not citus_available():
        raise RuntimeError("Citus is not installed: run `bash ../shared/citus/build.sh`.")
    root = Path(tempfile.mkdtemp(prefix="tenantry-citus-"))
    nodes = [
        Node(name, _free_port(), root / name)
        for name in ["coordinator", *(f"worker{i}" for i in range(1, workers + 1))]
    ]
    if os.geteuid() == 0:
        record = pwd.getpwnam(SERVER_USER)
        os.chown(root, record.pw_uid, record.pw_gid)
    started: list[Node] = []
    try:
        for node in nodes:
            _init(node)
            _start(node)
            started.append(node)
        database_prepare(nodes[0].dsn(), [worker.dsn() for worker in nodes[1:]], DATABASE)
        yield nodes
    finally:
        for node in reversed(started):
            _stop(node)
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to run")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    started = time.monotonic()
    with cluster(args.workers) as nodes:
        coordinator, workers = nodes[0], nodes[1:]
        print(
            f"Citus cluster up in {time.monotonic() - started:.1f} s:"
            f" coordinator :{coordinator.port}, workers {', '.join(f':{w.port}' for w in workers)}",
            flush=True,
        )
        env = {
            **os.environ,
            "DATABASE_URL": coordinator.dsn(),
            "TENANTRY_CITUS_WORKERS": ",".join(w.dsn() for w in workers),
        }
        return subprocess.run(command, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
