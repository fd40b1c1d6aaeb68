"""The production rehearsal's stack: the image's build from the working tree, the roles
through deploy/entrypoint.sh under config.settings.prod, Caddy in front with its internal
CA, a real SMTP server catching the mail, on a database and a database role of their own.

Used by tests/deploy/test_rehearsal.py; docs/deploy.md ("What the rehearsal proves").
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from aiosmtpd.controller import Controller
from django.conf import settings

from tests.live import ROOT, LiveProcess, free_port, server_dsn

PLATFORM_DOMAIN = "localhost"
# The web role's database role may hold this many connections at once (PostgreSQL's
# CONNECTION LIMIT; superusers are exempt, so the role is not one). Every role of the
# stack shares it: 2 web workers × pool max 4 + the Celery worker (2 processes and its
# parent) + beat + migrate_tenants (2 workers and its parent) fit; a connection per
# request thread under a burst of 32 does not.
CONNECTION_LIMIT = 20
POOL_MAX_SIZE = 4


class _Inbox:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


@dataclass
class MailCatcher:
    """A real SMTP server on a free port; the prod settings' SMTP backend sends to it."""

    port: int
    inbox: _Inbox

    def link(self, prefix: str, timeout: float = 60) -> str:
        """The first link starting with `prefix` in any message received."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.inbox.messages:
                body = message.get_body(preferencelist=("plain", "html"))
                match = re.search(re.escape(prefix) + r"[^\s\"<>]*", body.get_content())
                if match:
                    return match.group(0)
            time.sleep(0.2)
        subjects = [message["Subject"] for message in self.inbox.messages]
        raise AssertionError(f"no mail with a link to {prefix}; received: {subjects}")


@contextlib.contextmanager
def mail_catcher() -> Iterator[MailCatcher]:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield MailCatcher(port=controller.port, inbox=inbox)
    finally:
        controller.stop()


def built_app(destination: Path) -> Path:
    """The working tree copied as the image's `COPY . .` does, then deploy/build.sh run in
    it: its own virtualenv without the dev dependencies, static files collected as the
    image collects them. Returns the app's directory."""
    app = destination / "app"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for relative in filter(None, listed):
        source = ROOT / relative
        if source.is_file():
            (app / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, app / relative)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    build = subprocess.run(
        ["bash", "deploy/build.sh", "--sync"], cwd=app, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    return app


@dataclass
class Database:
    """A database owned by a login role (not a superuser) limited to CONNECTION_LIMIT."""

    name: str
    role: str

    @property
    def url(self) -> str:
        db = settings.DATABASES["default"]
        host = db["HOST"] or "127.0.0.1"
        if host.startswith("/"):
            return f"postgresql://{self.role}@/{self.name}?host={host}"
        return f"postgresql://{self.role}@{host}:{db['PORT'] or 5432}/{self.name}"


@contextlib.contextmanager
def rehearsal_database(name: str) -> Iterator[Database]:
    role = f"{name}_role"

    def admin(*statements: str) -> None:
        with psycopg.connect(server_dsn("postgres"), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    drop = (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'DROP ROLE IF EXISTS "{role}"')
    admin(*drop)
    admin(
        f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT {CONNECTION_LIMIT}',
        f'CREATE DATABASE "{name}" OWNER "{role}"',
    )
    try:
        yield Database(name=name, role=role)
    finally:
        admin(*drop)


@dataclass(frozen=True)
class Restart:
    """A restart of the web role: the old one's exit code, and when (time.monotonic()) the
    SIGTERM was sent, the old one had exited, the new one listened and it answered through
    the proxy."""

    code: int
    sent_at: float
    exited_at: float
    listening_at: float
    ready_at: float


@dataclass
class Stack:
    """The running rehearsal: roles, proxy and mail, and how to reach them."""

    app: Path
    env: dict[str, str]
    https_port: int
    web_port: int
    mail: MailCatcher
    processes: dict[str, LiveProcess] = field(default_factory=dict)

    def url(self, host: str = PLATFORM_DOMAIN, path: str = "/") -> str:
        return f"https://{host}:{self.https_port}{path}"

    def role(self, role: str, **extra: str) -> LiveProcess:
        return LiveProcess(
            ["bash", str(self.app / "deploy" / "entrypoint.sh")],
            env={**self.env, "ROLE": role, **extra}, cwd="/",
        )  # fmt: skip

    def run_role(self, role: str, timeout: float = 180, **extra: str) -> str:
        """A role that ends (migrate); returns its output, failing if it fails."""
        process = self.role(role, **extra)
        code = process.process.wait(timeout=timeout)
        time.sleep(0.1)  # the reader thread catches the last lines
        assert code == 0, f"ROLE={role} exited {code}:\n{process.output()[-4000:]}"
        return process.output()

    def manage(self, *args: str, timeout: float = 120, **extra: str) -> str:
        result = subprocess.run(
            [str(self.app / ".venv" / "bin" / "python"), "manage.py", *args],
            cwd=self.app, env={**self.env, **extra}, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start_web(self) -> float:
        """Starts the web role; returns when (time.monotonic()) it was listening, then
        waits until it answers through the proxy."""
        web = self.processes["web"] = self.role("web")
        web.wait_for("Application startup complete", timeout=90)
        listening_at = time.monotonic()
        wait_for_https(self.url(path="/healthz"))
        return listening_at

    def restart_web(self) -> Restart:
        """SIGTERM to the web role's main process, as a container runtime sends it, then a
        new one once it has exited, as a runtime restarting the container does."""
        old = self.processes["web"]
        sent_at = time.monotonic()
        os.kill(old.process.pid, signal.SIGTERM)
        try:
            code = old.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                "the web role was still running 60 s after SIGTERM:\n" + old.output()[-5000:]
            ) from None
        exited_at = time.monotonic()
        self.processes["web (before the restart)"] = self.processes.pop("web")
        listening_at = self.start_web()
        return Restart(code, sent_at, exited_at, listening_at, ready_at=time.monotonic())

    def logs(self) -> str:
        return "\n\n".join(
            f"--- {name} ---\n" + process.output()[-20000:]
            for name, process in self.processes.items()
        )


def insecure_tls() -> ssl.SSLContext:
    """Caddy's internal CA is not trusted here (its root is never installed)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def wait_for_https(url: str, timeout: float = 30) -> None:
    """Until `url` answers 200 through the proxy (its health check may lag a restart)."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5, context=insecure_tls()) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last = repr(error)
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered 200: {last}")


def caddyfile_for(app: Path, workdir: Path, http_port: int, https_port: int) -> Path:
    """deploy/Caddyfile with global options for an unprivileged local run prepended: high
    ports, no admin endpoint, no root CA installed, its state in `workdir`."""
    text = (app / "deploy" / "Caddyfile").read_text()
    local = (
        f"\thttp_port {http_port}\n\thttps_port {https_port}\n\tadmin off\n"
        f"\tskip_install_trust\n\tdefault_bind 127.0.0.1\n"
        f"\tstorage file_system {workdir / 'caddy-data'}\n"
    )
    start = text.index("\n{\n") + len("\n{\n")  # the global options block
    path = workdir / "Caddyfile"
    path.write_text(text[:start] + local + text[start:])
    return path


@contextlib.contextmanager
def rehearsal_stack(workdir: Path, database: Database) -> Iterator[Stack]:
    """Build, migrate, then web (2 uvicorn workers), worker and beat, and Caddy in front."""
    app = built_app(workdir)
    web_port, https_port, http_port = free_port(), free_port(), free_port()
    with mail_catcher() as mail:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(workdir),
            "LANG": "C.UTF-8",
            "PYTHON": str(app / ".venv" / "bin" / "python"),
            "APP_DIR": str(app),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "SECRET_KEY": "rehearsal-" + secrets.token_urlsafe(48),
            "DATABASE_URL": database.url,
            # A database number of its own on the test session's Redis server.
            "REDIS_URL": _redis_url_with_db(settings.REDIS_URL, 9),
            "DATABASE_POOL_MAX_SIZE": str(POOL_MAX_SIZE),
            "PLATFORM_DOMAIN": PLATFORM_DOMAIN,
            "PUBLIC_URL_SCHEME": "https",
            "PUBLIC_URL_PORT": str(https_port),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(mail.port),
            "HOST": "127.0.0.1",
            "PORT": str(web_port),
            "WEB_CONCURRENCY": "2",
            "WORKER_CONCURRENCY": "2",
            "LOG_FORMAT": "text",
            "MEDIA_ROOT": str(workdir / "media"),
            "EXPORTS_DIR": str(workdir / "exports"),
            "BEAT_SCHEDULE_FILE": str(workdir / "celerybeat-schedule"),
            "SCHEMA_POOL_SIZE": "0",
        }
        stack = Stack(app=app, env=env, https_port=https_port, web_port=web_port, mail=mail)
        caddy_env = {
            **env, "XDG_DATA_HOME": str(workdir), "XDG_CONFIG_HOME": str(workdir),
            "PLATFORM_TLS": "internal", "UPSTREAM": f"127.0.0.1:{web_port}",
            # How long Caddy holds a request for a healthy web role: the restart's drain
            # plus a new role's start, which took over 30 s (the default) at a load
            # average of 30 on the 2-CPU build machine.
            "PROXY_TRY_DURATION": "120s",
        }  # fmt: skip
        caddyfile = caddyfile_for(app, workdir, http_port, https_port)
        try:
            stack.run_role("migrate")
            stack.processes["caddy"] = LiveProcess(
                [str(Path(shutil.which("caddy") or ROOT / ".venv/bin/caddy")), "run",
                 "--config", str(caddyfile), "--adapter", "caddyfile"], env=caddy_env,
            )  # fmt: skip
            stack.processes["worker"] = stack.role("worker")
            stack.processes["beat"] = stack.role("beat")
            stack.start_web()
            stack.processes["worker"].wait_for("ready.", timeout=90)
            yield stack
        finally:
            for name, process in reversed(stack.processes.items()):
                process.stop()
                # Kept for a failure's post-mortem: <workdir>/<role>.log
                (workdir / f"{name}.log").write_text(process.output())


def _redis_url_with_db(url: str, db: int) -> str:
    if url.startswith("unix://"):
        return f"{url.split('?')[0]}?db={db}"
    return re.sub(r"(//[^/]+)(/\d*)?$", rf"\1/{db}", url.split("?")[0])
