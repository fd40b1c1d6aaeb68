"""`manage.py dev` end to end: real processes, real HTTP and WebSocket, Ctrl-C.

It runs against its own database on the test session's PostgreSQL server (and the same
Redis), so it exercises migrate_tenants, the demo data, uvicorn, the Celery worker and
beat exactly as a developer's first run does.
"""

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import psutil
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from shared_apps.localdev.management.commands.dev import _ensure_port_free
from tests.live import ROOT, LiveProcess, free_port, project_env, scratch_database


@pytest.fixture
def dev_database() -> Iterator[str]:
    with scratch_database(f"tenantry_devcheck_{os.getpid()}") as url:
        yield url


def start_dev(database_url: str, port: int) -> LiveProcess:
    return LiveProcess(
        [sys.executable, "manage.py", "dev", "--no-reload", "--port", str(port)],
        env=project_env(database_url),
    )


def _get(port: int, host: str, path: str = "/") -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_dev_runs_web_websocket_worker_and_beat_and_ctrl_c_stops_them(dev_database):
    port = free_port()
    dev = start_dev(dev_database, port)
    try:
        dev.wait_for("Tenantry is running")
        dev.wait_for("Uvicorn running on")
        dev.wait_for("celery@")  # worker banner
        dev.wait_for("beat: Starting")
        output = dev.output()
        for expected in (
            f"http://localhost:{port}/",
            f"http://acme.localhost:{port}/",
            f"http://globex.localhost:{port}/",
            "alice@acme.test",
            "staff@tenantry.test",
            "Created organization acme",
        ):
            assert expected in output

        assert _get(port, f"localhost:{port}")[0] == 200
        status, body = _get(port, f"acme.localhost:{port}")  # redirected to sign-in
        assert (status, "Sign in to Acme Corp" in body) == (200, True)
        status, body = _get(port, f"globex.localhost:{port}", "/summary.json")
        assert status == 401  # the async view, refusing a visitor
        assert _get(port, f"nobody.localhost:{port}")[0] == 404

        # The bell's socket is served (and refuses a visitor: 403 at the handshake).
        with pytest.raises(InvalidStatus) as refused:
            ws_connect(
                f"ws://acme.localhost:{port}/ws/notifications/",
                sock=socket.create_connection(("127.0.0.1", port)),
                origin=f"http://acme.localhost:{port}",
                open_timeout=10,
            )
        assert refused.value.response.status_code == 403

        children = psutil.Process(dev.process.pid).children(recursive=True)
        assert len(children) >= 3
        dev.process.send_signal(signal.SIGINT)
        assert dev.process.wait(timeout=60) == 0
        _gone, alive = psutil.wait_procs(children, timeout=15)
        assert alive == [], f"still running after Ctrl-C: {alive}"
        assert "Stopped." in dev.output()
    finally:
        if dev.process.poll() is None:
            os.killpg(dev.process.pid, signal.SIGKILL)

    # A second run reuses the data: nothing is created again.
    again = subprocess.run(
        [sys.executable, "manage.py", "dev", "--setup-only"],
        cwd=ROOT,
        env=project_env(dev_database),
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Created" not in again.stdout


def test_a_port_in_use_gets_a_clear_message():
    with socket.socket() as occupied:
        occupied.bind(("127.0.0.1", 0))
        occupied.listen()
        port = occupied.getsockname()[1]
        from django.core.management import CommandError

        with pytest.raises(CommandError, match=f"Port {port} on 127.0.0.1 is already in use"):
            _ensure_port_free("127.0.0.1", port)


def test_dev_exits_with_the_message_when_the_port_is_taken():
    with socket.socket() as occupied:
        occupied.bind(("127.0.0.1", 0))
        occupied.listen()
        port = occupied.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "manage.py", "dev", "--port", str(port)],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"},
        )  # fmt: skip
    assert result.returncode != 0
    assert f"PORT={port + 1} uv run manage.py dev" in result.stderr
