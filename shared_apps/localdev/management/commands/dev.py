"""`uv run manage.py dev`: the whole platform on this machine, with one command.

Starts the embedded PostgreSQL and Redis (unless DATABASE_URL / REDIS_URL are set), runs
migrate_schemas, creates the demo data once, then runs the ASGI web server (HTTP and
WebSocket), a Celery worker and Celery beat side by side until Ctrl-C, which stops every
process this command started.
"""

import errno
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from io import StringIO
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from shared_apps.localdev.demo import DEMO_ORGANIZATIONS, DEMO_PASSWORD, STAFF_EMAIL, demo_seed
from shared_apps.localdev.embedded import EmbeddedServices
from shared_apps.tenants.provisioning.pool import pool_fill

_STOP_GRACE_SECONDS = 10


def _ensure_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"Port {port} on {host} is already in use (another `manage.py dev`?). "
                    "Stop that process, or run on another port: "
                    f"PORT={port + 1} uv run manage.py dev"
                ) from None
            raise


class _Supervisor:
    """Runs child processes in their own process groups, prefixing their output."""

    def __init__(self, stdout: Any) -> None:
        self.stdout = stdout
        self.children: dict[str, subprocess.Popen] = {}
        self._write_lock = threading.Lock()

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        process = subprocess.Popen(
            argv,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            text=True,
            bufsize=1,
        )
        self.children[name] = process
        threading.Thread(target=self._relay, args=(name, process), daemon=True).start()

    def _relay(self, name: str, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self._write_lock:
                self.stdout.write(f"{name:>6} | {line.rstrip()}")
                self.stdout.flush()

    def first_exit(self) -> tuple[str, int] | None:
        for name, process in self.children.items():
            code = process.poll()
            if code is not None:
                return name, code
        return None

    def stop_all(self) -> None:
        for process in self.children.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + _STOP_GRACE_SECONDS
        for process in self.children.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class Command(BaseCommand):
    help = "Run the platform locally: web (HTTP + WebSocket), Celery worker and beat."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=settings.DEV_SERVER_PORT)
        parser.add_argument("--host", default=settings.DEV_SERVER_HOST)
        parser.add_argument(
            "--no-reload", action="store_true", help="Don't restart on code changes."
        )
        parser.add_argument(
            "--setup-only",
            action="store_true",
            help="Start services, migrate and seed, then exit (used by the tests).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if not options["setup_only"]:
            _ensure_port_free(host, port)

        services = EmbeddedServices(settings.DATA_DIR)
        if any(settings.EMBEDDED_SERVICES.values()):
            self.stdout.write(f"Starting embedded PostgreSQL / Redis under {settings.DATA_DIR} …")
            services.start(**settings.EMBEDDED_SERVICES)
        try:
            self._prepare()
            if options["setup_only"]:
                return
            self._serve(host, port, reload=not options["no_reload"])
        finally:
            services.stop()

    def _prepare(self) -> None:
        self.stdout.write("Applying migrations (public schema, then every organization) …")
        # The deploy command: public, then the template and every organization in parallel,
        # skipping what is up to date, then the template is recaptured.
        call_command("migrate_tenants", stdout=StringIO())
        pool_fill()
        for line in demo_seed():
            self.stdout.write(f"Created {line}.")

    def _serve(self, host: str, port: int, *, reload: bool) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env["DJANGO_SETTINGS_MODULE"] = os.environ.get(
            "DJANGO_SETTINGS_MODULE", "config.settings.dev"
        )
        python = sys.executable
        web = [
            python,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            host,
            "--port",
            str(port),
            # config/asgi.py applies X-Forwarded-* itself, from FORWARDED_ALLOW_IPS only.
            "--no-proxy-headers",
        ]
        if reload:
            for folder in ("config", "shared_apps", "tenant_apps", "templates", "static"):
                web += ["--reload", "--reload-dir", str(settings.BASE_DIR / folder)]
        supervisor = _Supervisor(self.stdout)
        supervisor.spawn("web", web, env)
        supervisor.spawn(
            "worker",
            [python, "-m", "celery", "-A", "config", "worker", "-l", "INFO", "--concurrency", "2"],
            env,
        )
        supervisor.spawn(
            "beat",
            [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "-l",
                "INFO",
                "-s",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
            env,
        )
        self._print_banner(port)

        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        try:
            while not stop.wait(0.5):
                exited = supervisor.first_exit()
                if exited:
                    name, code = exited
                    self.stderr.write(
                        f"The {name} process exited with code {code}; stopping the others."
                    )
                    break
        finally:
            self.stdout.write("Stopping web, worker and beat …")
            supervisor.stop_all()
            self.stdout.write("Stopped.")

    def _print_banner(self, port: int) -> None:
        base = settings.PLATFORM_DOMAIN
        suffix = "" if port == 80 else f":{port}"
        lines = [
            "",
            "Tenantry is running. Ctrl-C stops everything.",
            f"  Public site       http://{base}{suffix}/",
        ]
        lines += [
            f"  {demo.name:<17} http://{demo.slug}.{base}{suffix}/" for demo in DEMO_ORGANIZATIONS
        ]
        lines += [
            "",
            f"Demo accounts (password: {DEMO_PASSWORD})",
            f"  platform staff    {STAFF_EMAIL}",
        ]
        lines += [f"  {demo.slug:<17} {demo.member_email}" for demo in DEMO_ORGANIZATIONS]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)) + "\n")
