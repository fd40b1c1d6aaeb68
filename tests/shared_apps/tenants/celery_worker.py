"""A real Celery worker process for tests, on this test session's database and broker.

The worker is `celery -A config worker` in a subprocess with the test settings: it reads
the xdist worker's own test database (so only committed rows are visible to it) and the
same Redis key prefix as this process, so what the test queues is what it consumes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections

ROOT = Path(settings.BASE_DIR)
PROBE_MODULE = "tests.shared_apps.tenants.celery_probe"


def database_url() -> str:
    """A URL for the test database this process uses (pytest-django renamed it)."""
    db = settings.DATABASES["default"]
    host = db["HOST"] or "127.0.0.1"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    if host.startswith("/"):
        return f"postgres://{db['USER']}{password}@/{db['NAME']}?host={host}"
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    def __init__(
        self,
        *,
        queues: Iterable[str] = ("interactive", "background"),
        concurrency: int = 2,
        env: dict[str, str] | None = None,
    ) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
                "--pool", "prefork", "--concurrency", str(concurrency),
                "--queues", ",".join(queues), "--include", PROBE_MODULE,
                "--hostname", f"test-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
                "DATABASE_URL": database_url(),
                "REDIS_URL": settings.REDIS_URL,
                "PYTHONUNBUFFERED": "1",
                **(env or {}),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )  # fmt: skip
        threading.Thread(target=self._collect, daemon=True).start()
        self.wait_for_line(lambda line: " ready." in line, what="the worker to be ready")

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(
        self, matches: Callable[[str], bool], *, what: str, timeout: float = 60
    ) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if matches(line):
                    return line
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"waited in vain for {what}; worker output:\n" + "\n".join(self.lines[-80:]))

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: no shutdown, no acknowledgement."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown: the main process stops its pool
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def probe_rows(label: str, *columns: str) -> list[tuple[Any, ...]]:
    selected = ", ".join(columns or ("schema_name",))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {selected} FROM public.celery_probe WHERE label = %s ORDER BY id",
            [label],
        )
        return cursor.fetchall()


def wait_until(
    condition: Callable[[], Any], *, what: str, worker: WorkerProcess, timeout: float = 30
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"waited in vain for {what}; worker output:\n" + "\n".join(worker.lines[-80:]))


def committed(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run `function` on a database connection of its own (in a thread), so that what it
    writes is committed at once and the worker sees it, whatever transaction the test is in.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
