"""Helpers for tests that run the project in other processes (servers, workers, commands).

Those processes see only committed data, so they get a database of their own on the test
session's PostgreSQL server (`scratch_database`), and they are watched through their
output (`LiveProcess`).
"""

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_url_for_database(url: str, number: int) -> str:
    """`url` (the test session's Redis) pointed at logical database `number`."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix://{parts.path}?db={number}"
    return urlunsplit((parts.scheme, parts.netloc, f"/{number}", parts.query, ""))


def server_dsn(dbname: str) -> str:
    """A URL for database `dbname` on the test session's server (socket or TCP)."""
    db = settings.DATABASES["default"]
    host = db["HOST"] or "127.0.0.1"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    if host.startswith("/"):
        return f"postgresql://{db['USER']}{password}@/{dbname}?host={host}"
    return f"postgresql://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{dbname}"


@contextlib.contextmanager
def scratch_database(name: str, template: str | None = None) -> Iterator[str]:
    """A fresh database (a copy of `template` if given), dropped afterwards; yields its URL."""
    source = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(server_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"{source}')
    try:
        yield server_dsn(name)
    finally:
        with psycopg.connect(server_dsn("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def project_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a process of this project pointed at `database_url`."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class LiveProcess:
    """A process in its own session, its output collected line by line."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path | str = ROOT) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,
        )  # fmt: skip
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 90) -> None:
        """Until a line contains `text`; fails with the recent output if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"never saw {text!r}; output:\n" + "\n".join(self.lines[-60:]))

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM to the whole session, SIGKILL if it lingers; returns the exit code."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()
