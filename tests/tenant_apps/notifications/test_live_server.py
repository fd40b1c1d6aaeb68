"""The bell over real sockets: uvicorn serving config.asgi, a real Celery worker, and
clients signed in over HTTP, against a database of its own (the processes can't see the
test's transaction). Also: the socket survives a server restart the way the HTMX ws
extension needs (close code 1012, then a reconnect that brings the bell up to date)."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect

from tests.live import ROOT, LiveProcess, free_port, project_env, scratch_database

PASSWORD = "tenantry-demo"  # the demo accounts made by `manage.py dev --setup-only`
# Close codes after which the HTMX ws extension reconnects by itself (ws.js, onclose).
HTMX_RECONNECTS_ON = {1006, 1011, 1012, 1013}


@pytest.fixture
def live_database() -> Iterator[str]:
    with scratch_database(f"tenantry_live_{os.getpid()}") as url:
        yield url


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


def open_bell_socket(port: int, host: str, session: str | None = None, origin: str = ""):
    """Connect to 127.0.0.1 with `host` in the Host header (via the URI's host), from a
    page at `origin` (by default `host`'s own, as the bell's page is)."""
    return ws_connect(
        f"ws://{host}/ws/notifications/",
        sock=socket.create_connection(("127.0.0.1", port)),
        origin=origin or f"http://{host}",
        additional_headers={"Cookie": f"sessionid={session}"} if session else None,
        open_timeout=10,
    )


def bell(html: str) -> tuple[int, str]:
    unread = re.search(r'data-unread="(\d+)"', html)
    latest = re.search(r"<span data-title[^>]*>([^<]*)</span>", html)
    return (int(unread.group(1)) if unread else 0), (latest.group(1) if latest else "")


def test_live_bell_over_real_sockets_with_a_worker_and_a_restart(live_database):
    env = project_env(
        live_database,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        # Own prefixes for Celery queues, cache and channel groups (see config/settings/test.py).
        PYTEST_XDIST_WORKER=f"live-{uuid.uuid4().hex[:8]}",
    )
    setup = subprocess.run(
        [sys.executable, "manage.py", "dev", "--setup-only"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert setup.returncode == 0, setup.stdout + setup.stderr
    port = free_port()
    web_argv = [sys.executable, "-m", "uvicorn", "config.asgi:application",
                "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    worker = LiveProcess(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-l", "INFO",
         "--without-mingle", "--without-gossip", "--without-heartbeat"], env,
    )  # fmt: skip
    web = LiveProcess(web_argv, env)
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
        # Alice's own session, but opened by a page at Globex (or with no Origin at all).
        for origin in (f"http://globex.localhost:{port}", None):
            with pytest.raises(InvalidStatus):
                ws_connect(
                    f"ws://acme.localhost:{port}/ws/notifications/",
                    sock=socket.create_connection(("127.0.0.1", port)),
                    origin=origin,
                    additional_headers={"Cookie": f"sessionid={alice.session}"},
                    open_timeout=10,
                )

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

        web = LiveProcess(web_argv, env)
        web.wait_for("Uvicorn running on")
        with alice.bell_socket() as reconnected:  # same session, after the restart
            assert bell(reconnected.recv(timeout=10)) == (1, "Fire drill at 3pm")
            alice.announce("Drill over")
            assert bell(reconnected.recv(timeout=30)) == (2, "Drill over")
    finally:
        web.stop()
        worker.stop()
