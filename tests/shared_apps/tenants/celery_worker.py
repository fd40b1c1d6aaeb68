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
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections

from tests.live import LiveProcess, project_env, server_dsn

PROBE_MODULE = "tests.shared_apps.tenants.celery_probe"


def database_url() -> str:
    """A URL for the test database this process uses (pytest-django renamed it)."""
    return server_dsn(settings.DATABASES["default"]["NAME"])


class WorkerProcess(LiveProcess):
    def __init__(
        self,
        *,
        queues: Iterable[str] = ("interactive", "background"),
        concurrency: int = 2,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
                "--pool", "prefork", "--concurrency", str(concurrency),
                "--queues", ",".join(queues), "--include", PROBE_MODULE,
                "--hostname", f"test-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            env=project_env(
                database_url(), DJANGO_SETTINGS_MODULE="config.settings.test", **(env or {})
            ),
        )  # fmt: skip
        self.wait_for_line(lambda line: " ready." in line, what="the worker to be ready")

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

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM to the main process only (a warm shutdown: it stops its own pool), then
        SIGKILL to them all if it lingers; returns the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.wait()


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
