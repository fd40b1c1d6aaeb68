"""The production web role (deploy/entrypoint.sh ROLE=web: uvicorn, 2 workers,
config.settings.prod) keeps an idle signed-in WebSocket open: 30 s without traffic, then a
push arrives on the same socket. And a notification made while the socket is down reaches
the bell when it connects again (the bell is read from the database on connect).

Before the channel layer's Redis connections had a socket_timeout above the layer's 5 s
blocking read, redis-py gave up first and the server dropped every idle socket after 5 s.
"""

import http.cookiejar
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from django.conf import settings

from tests.live import (
    ROOT,
    LiveProcess,
    free_port,
    project_env,
    redis_url_for_database,
    scratch_database,
)
from tests.tenant_apps.notifications.test_live_server import Browser, bell

REDIS_DATABASE = 10  # this test's own: production settings use fixed key prefixes
IDLE_SECONDS = 30


class HttpsCookiesBrowser(Browser):
    """Production marks the session and CSRF cookies Secure; this client talks plain HTTP
    to uvicorn (the proxy's side), so it sends them back anyway."""

    def __init__(self, port: int, host: str) -> None:
        super().__init__(port, host)

        class SendSecureCookies(http.cookiejar.DefaultCookiePolicy):
            def return_ok_secure(self, cookie, request) -> bool:
                return True

        self.jar.set_policy(SendSecureCookies())


@pytest.fixture
def prod_env(tmp_path) -> Iterator[dict[str, str]]:
    build = subprocess.run(
        [str(ROOT / "deploy" / "build.sh")], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PYTHON": sys.executable, "STATIC_ROOT": str(tmp_path)}, timeout=180,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    redis_url = redis_url_for_database(settings.REDIS_URL, REDIS_DATABASE)
    with scratch_database(f"tenantry_websocket_{os.getpid()}") as url:
        setup = subprocess.run(
            [sys.executable, "manage.py", "dev", "--setup-only"], cwd=ROOT,
            env=project_env(url, REDIS_URL=redis_url),  # dev settings: real password hashes
            capture_output=True, text=True, timeout=240,
        )  # fmt: skip
        assert setup.returncode == 0, setup.stdout + setup.stderr
        yield project_env(
            url,
            DJANGO_SETTINGS_MODULE="config.settings.prod",
            REDIS_URL=redis_url,
            SECRET_KEY="test-only-key-for-the-production-web-role-in-this-test-only",
            PLATFORM_DOMAIN="localhost",
            SECURE_SSL_REDIRECT="false",
            STATIC_ROOT=str(tmp_path),
            LOG_FORMAT="text",
            PYTHON=sys.executable,
        )


def _notify_alice(env: dict[str, str], title: str) -> None:
    """notify_user from another process of the deployment (as a task or a command would)."""
    code = "\n".join(
        [
            "from django.contrib.auth import get_user_model",
            "from django_tenants.utils import schema_context",
            "from tenant_apps.notifications.services import notify_user",
            "with schema_context('org_acme'):",
            "    alice = get_user_model().objects.get(email='alice@acme.test')",
            f"    notify_user(recipient=alice, title={title!r})",
        ]
    )
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_idle_socket_stays_open_and_a_missed_push_is_caught_up_on_connect(prod_env):
    port = free_port()
    web = LiveProcess(
        [str(ROOT / "deploy" / "entrypoint.sh")],
        {**prod_env, "ROLE": "web", "HOST": "127.0.0.1", "PORT": str(port),
         "WEB_CONCURRENCY": "2"},
    )  # fmt: skip
    try:
        web.wait_for("Application startup complete", timeout=120)
        alice = HttpsCookiesBrowser(port, f"acme.localhost:{port}")
        alice.sign_in("alice@acme.test")

        with alice.bell_socket() as socket:
            assert bell(socket.recv(timeout=10)) == (0, "")
            # Idle: no message and no close frame for 30 s (recv times out, socket open).
            with pytest.raises(TimeoutError):
                socket.recv(timeout=IDLE_SECONDS)
            _notify_alice(prod_env, "After the quiet")
            assert bell(socket.recv(timeout=20)) == (1, "After the quiet")

        # Made while no socket is open: the next connection's first message carries it.
        _notify_alice(prod_env, "While you were away")
        with alice.bell_socket() as socket:
            assert bell(socket.recv(timeout=10)) == (2, "While you were away")
    finally:
        web.stop()
    assert "Timeout reading from" not in web.output(), web.output()
