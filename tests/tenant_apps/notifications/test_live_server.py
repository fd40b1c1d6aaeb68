"""The bell over real sockets: uvicorn serving config.asgi, a real Celery worker, and
clients signed in over HTTP, against a database of its own (the processes can't see the
test's transaction). Also: the socket survives a server restart the way the HTMX ws
extension needs (close code 1012, then a reconnect that brings the bell up to date)."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect

from tests.shared_apps.localdev.test_dev_command import _free_port, _server_dsn

ROOT = Path(settings.BASE_DIR)
PASSWORD = "tenantry-demo"  # the demo accounts made by `manage.py dev --setup-only`
# Close codes after which the HTMX ws extension reconnects by itself (ws.js, onclose).
HTMX_RECONNECTS_ON = {1006, 1011, 1012, 1013}


@pytest.fixture
def live_database() -> Iterator[str]:
    name = f"tenantry_live_{os.getpid()}"
    admin = _server_dsn("postgres").replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _server_dsn(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Process:
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,
        )  # fmt: skip
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"never saw {text!r}; output:\n" + "\n".join(self.lines[-40:]))

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Browser:
    """Cookies and CSRF like a browser, for one organization's host."""

    def __init__(self, port: int, host: str) -> None:
        self.port, self.host = port, host
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=data, headers={"Host": self.host}
        )
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post_form(self, path: str, form: dict[str, str], page: str | None = None) -> int:
        _status, html = self.request(page or path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token, f"no CSRF token on {page or path}"
        return self.request(path, {"csrfmiddlewaretoken": token.group(1), **form})[0]

    def sign_in(self, email: str) -> None:
        status = self.post_form("/accounts/login/", {"login": email, "password": PASSWORD})
        assert status == 302, f"sign-in as {email} failed"

    @property
    def session(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "sessionid")

    def announce(self, title: str) -> None:
        status = self.post_form("/notifications/announce/", {"title": title}, "/notifications/")
        assert status == 302

    def bell_socket(self):
        return open_bell_socket(self.port, self.host, self.session)


def open_bell_socket(port: int, host: str, session: str | None = None):
    """Connect to 127.0.0.1 with `host` in the Host header (via the URI's host)."""
    return ws_connect(
        f"ws://{host}/ws/notifications/",
        sock=socket.create_connection(("127.0.0.1", port)),
        additional_headers={"Cookie": f"sessionid={session}"} if session else None,
        open_timeout=10,
    )


def bell(html: str) -> tuple[int, str]:
    unread = re.search(r'data-unread="(\d+)"', html)
    latest = re.search(r'title="Latest: ([^"]*)"', html)
    return (int(unread.group(1)) if unread else 0), (latest.group(1) if latest else "")


def test_live_bell_over_real_sockets_with_a_worker_and_a_restart(live_database):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": live_database,
        "REDIS_URL": settings.REDIS_URL,
        # Own prefixes for Celery queues, cache and channel groups (see config/settings/test.py).
        "PYTEST_XDIST_WORKER": f"live-{uuid.uuid4().hex[:8]}",
        "PYTHONUNBUFFERED": "1",
    }
    setup = subprocess.run(
        [sys.executable, "manage.py", "dev", "--setup-only"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert setup.returncode == 0, setup.stdout + setup.stderr
    port = _free_port()
    web_argv = [sys.executable, "-m", "uvicorn", "config.asgi:application",
                "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    worker = Process(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-l", "INFO",
         "--without-mingle", "--without-gossip", "--without-heartbeat"], env,
    )  # fmt: skip
    web = Process(web_argv, env)
    try:
        worker.wait_for("ready.")
        web.wait_for("Uvicorn running on")
        alice = Browser(port, f"acme.localhost:{port}")
        bob = Browser(port, f"globex.localhost:{port}")
        alice.sign_in("alice@acme.test")
        bob.sign_in("bob@globex.test")

        # Refused handshakes (answered 403): unknown host, no session, Globex's session at Acme.
        for host, session in [
            (f"nobody.localhost:{port}", None),
            (f"acme.localhost:{port}", None),
            (f"acme.localhost:{port}", bob.session),
        ]:
            with pytest.raises(InvalidStatus):
                open_bell_socket(port, host, session)

        with alice.bell_socket() as alice_socket, bob.bell_socket() as bob_socket:
            assert bell(alice_socket.recv(timeout=10)) == (0, "")
            assert bell(bob_socket.recv(timeout=10)) == (0, "")

            alice.announce("Fire drill at 3pm")  # queued; the worker stores and pushes
            assert bell(alice_socket.recv(timeout=30)) == (1, "Fire drill at 3pm")
            bob.announce("Globex lunch")
            # Had Acme's announcement reached Bob, it would be the first thing he got.
            assert bell(bob_socket.recv(timeout=30)) == (1, "Globex lunch")

            web.stop()  # a deploy or a crash: the server goes away under open sockets
            with pytest.raises(ConnectionClosed) as closed:
                alice_socket.recv(timeout=20)
        # uvicorn closes with 1012 (service restart) on shutdown: the extension reconnects.
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
        assert closed.value.rcvd.code in HTMX_RECONNECTS_ON

        web = Process(web_argv, env)
        web.wait_for("Uvicorn running on")
        with alice.bell_socket() as reconnected:  # same session, after the restart
            assert bell(reconnected.recv(timeout=10)) == (1, "Fire drill at 3pm")
            alice.announce("Drill over")
            assert bell(reconnected.recv(timeout=30)) == (2, "Drill over")
    finally:
        web.stop()
        worker.stop()
