"""Real-browser tests: headless Chromium (Debian's `chromium`, driven by Playwright) against
the platform served by uvicorn with a Celery worker, on a database of their own."""

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from tests.live import ROOT, LiveProcess, free_port, project_env, scratch_database

CHROMIUM = "/usr/bin/chromium"
# Flags for a sandboxed machine with no outside network (see the env notes).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@dataclass
class Platform:
    port: int
    worker: LiveProcess
    web: LiveProcess
    env: dict[str, str]

    def url(self, host: str = "localhost", path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def emailed_link(self, prefix: str, timeout: float = 60) -> str:
        """The first link starting with `prefix` in an email the worker printed."""
        self.worker.wait_for(prefix, timeout)
        match = re.search(re.escape(prefix) + r"\S*", self.worker.output())
        assert match, self.worker.output()[-2000:]
        return match.group(0)


@pytest.fixture(scope="module")
def platform() -> Iterator[Platform]:
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing: `apt-get install chromium` to run the browser tests"
        if os.environ.get("CI"):
            pytest.fail(reason + " (.ci/run installs it)")
        pytest.skip(reason)
    with scratch_database(f"tenantry_e2e_{os.getpid()}") as database_url:
        port = free_port()
        env = project_env(
            database_url,
            DJANGO_SETTINGS_MODULE="config.settings.test",
            # Celery queues, cache keys and channel groups of their own (config/settings/test.py).
            PYTEST_XDIST_WORKER=f"e2e-{uuid.uuid4().hex[:8]}",
            EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
            PUBLIC_URL_PORT=str(port),
            # Events leave through the worker as soon as they commit, as in production.
            EVENTS_RELAY_ON_COMMIT="true",
        )
        setup = subprocess.run(
            [sys.executable, "manage.py", "dev", "--setup-only"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert setup.returncode == 0, setup.stdout + setup.stderr
        worker = LiveProcess(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-l", "INFO",
             "-Q", "interactive,background", "--without-mingle", "--without-gossip"], env,
        )  # fmt: skip
        # Capped graceful shutdown, as in production (deploy/entrypoint.sh): a socket the
        # browser left half-closed would otherwise hold the teardown until web.stop()'s 30 s.
        web = LiveProcess(
            [sys.executable, "-m", "uvicorn", "config.asgi:application",
             "--host", "127.0.0.1", "--port", str(port), "--timeout-graceful-shutdown", "2"],
            env,
        )  # fmt: skip
        try:
            worker.wait_for("ready.")
            web.wait_for("Uvicorn running on")
            yield Platform(port=port, worker=worker, web=web, env=env)
        finally:
            web.stop()
            worker.stop()


@pytest.fixture(scope="module")
def activity_consumer(platform: Platform) -> Iterator[LiveProcess]:
    """`manage.py events_consume activity` beside the platform: the project pages' feed."""
    consumer = LiveProcess(
        [sys.executable, "manage.py", "events_consume", "activity"], platform.env
    )
    try:
        consumer.wait_for("Consuming activity")
        yield consumer
    finally:
        consumer.stop()


class CSPWatchedBrowser:
    """The browser, noting every Content-Security-Policy violation any of its pages report
    (Chromium logs each one as a console error)."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser
        self.violations: list[str] = []

    def _note(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def new_page(self, **options: object) -> Page:
        page = self._browser.new_page(**options)
        page.on("console", self._note)
        return page

    def new_context(self, **options: object) -> BrowserContext:
        context = self._browser.new_context(**options)
        context.on("console", self._note)
        return context

    def __getattr__(self, name: str) -> object:
        return getattr(self._browser, name)


@pytest.fixture(scope="module")
def browser() -> Iterator[CSPWatchedBrowser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield CSPWatchedBrowser(chromium)
        finally:
            chromium.close()


@pytest.fixture(autouse=True)
def _no_csp_violations(browser: CSPWatchedBrowser) -> Iterator[None]:
    """Every page a browser test visits runs under the CSP without a violation."""
    browser.violations.clear()
    yield
    assert browser.violations == []
