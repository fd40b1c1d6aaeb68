"""The production rehearsal: the stack as it is deployed, not the test client.

Built as the image builds (deploy/build.sh in a copy of the working tree), started through
deploy/entrypoint.sh under config.settings.prod (migrate, then web with 2 uvicorn workers,
worker, beat), behind Caddy serving HTTPS with its internal CA, mail to a real SMTP
server, on a database role limited to CONNECTION_LIMIT connections; driven by Chromium.
docs/deploy.md says what each step proves.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.deploy.rehearsal import (
    PLATFORM_DOMAIN,
    Stack,
    insecure_tls,
    rehearsal_database,
    rehearsal_stack,
)
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

STAFF_EMAIL = "ops@tenantry.test"
STAFF_PASSWORD = "rehearsal staff passphrase"
OWNER_PASSWORD = "rehearsal owner passphrase"
SLUG = "rehearsal"
ORG_HOST = f"{SLUG}.{PLATFORM_DOMAIN}"
BURST_CLIENTS = 32
IDLE_SECONDS = 9  # past the 5 s after which a socket_timeout-bound socket is dropped
DRAIN_SECONDS = 5  # deploy/entrypoint.sh's WEB_DRAIN_SECONDS
RESTART_CLIENTS = 480  # threads for the requests Caddy holds while no web role listens
RESTART_RATE = 12  # requests per second through Caddy across the restart, half of them POSTs


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing: `apt-get install chromium` to run the rehearsal"
        if os.environ.get("CI"):
            pytest.fail(reason + " (.ci/run installs it)")
        pytest.skip(reason)
    name = f"tenantry_rehearsal_{os.getpid()}"
    with (
        rehearsal_database(name) as database,
        rehearsal_stack(tmp_path_factory.mktemp("rehearsal"), database) as running,
    ):
        running.manage(
            "createsuperuser", "--noinput",
            DJANGO_SUPERUSER_EMAIL=STAFF_EMAIL, DJANGO_SUPERUSER_PASSWORD=STAFF_PASSWORD,
        )  # fmt: skip
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _context(browser: Browser) -> BrowserContext:
    return browser.new_context(ignore_https_errors=True)


def _sign_in(page: Page, url: str, email: str, password: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()


def _totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _staff_provisions(stack: Stack, browser: Browser) -> None:
    staff = _context(browser).new_page()
    _sign_in(staff, stack.url(path="/accounts/login/"), STAFF_EMAIL, STAFF_PASSWORD)
    expect(staff.get_by_role("link", name="Console")).to_be_visible()
    # config.settings.prod requires a second factor for the console: set up TOTP.
    staff.goto(stack.url(path="/platform/organizations/new/"))
    if "/reauthenticate/" in staff.url:  # allauth asks for the password again first
        staff.fill("#id_password", STAFF_PASSWORD)
        staff.get_by_role("button", name="Confirm").click()
    secret = staff.locator("#authenticator_secret").input_value()
    staff.fill("#id_code", _totp_now(secret))
    staff.get_by_role("button", name="Activate").click()
    staff.goto(stack.url(path="/platform/organizations/new/"))
    staff.fill("#id_name", "Rehearsal Ltd")
    staff.fill("#id_slug", SLUG)
    expect(staff.locator("#slug-feedback")).to_contain_text(f"Available: {ORG_HOST}")
    staff.fill("#id_owner_email", "owner@rehearsal.test")
    staff.get_by_role("button", name="Create organization").click()
    # The page follows the worker's provisioning over the WebSocket, through Caddy.
    expect(staff.locator("#org-status")).to_have_text("Active", timeout=60_000)
    staff.context.close()


def _owner_joins(stack: Stack, browser: Browser) -> BrowserContext:
    invitation = stack.mail.link(stack.url(ORG_HOST, "/invitations/"))
    context = _context(browser)
    owner = context.new_page()
    owner.goto(invitation)
    owner.fill("#id_full_name", "Olive Owner")
    owner.fill("#id_password1", OWNER_PASSWORD)
    owner.fill("#id_password2", OWNER_PASSWORD)
    owner.get_by_role("button", name="Join Rehearsal Ltd").click()
    expect(owner.get_by_text("Welcome to Rehearsal Ltd!")).to_be_visible()
    # Signed out, then in again over HTTPS at the organization's own host.
    context.clear_cookies()
    _sign_in(owner, stack.url(ORG_HOST, "/accounts/login/"), "owner@rehearsal.test", OWNER_PASSWORD)
    expect(owner.get_by_role("link", name="Files")).to_be_visible()
    owner.close()
    return context


def _upload_and_download(context: BrowserContext, stack: Stack, tmp_path: Path) -> None:
    page = context.new_page()
    page.goto(stack.url(ORG_HOST, "/files/"))
    content = f"rehearsal {uuid.uuid4()}\n"
    upload = tmp_path / "minutes.txt"
    upload.write_text(content)
    page.set_input_files("input[name=file]", str(upload))
    page.get_by_role("button", name="Upload", exact=True).click()
    link = page.get_by_role("link", name="minutes.txt")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_text() == content
    page.close()


class _Loopback(http.client.HTTPSConnection):
    """HTTPS to Caddy on 127.0.0.1 for `host` (its name in SNI and Host; *.localhost does
    not resolve outside the browser)."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port, timeout=60, context=insecure_tls())

    def connect(self) -> None:
        raw = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def _get(stack: Stack, host: str, path: str, cookie: str) -> int:
    return _request(stack, host, "GET", path, cookie)


def _request(stack: Stack, host: str, method: str, path: str, cookie: str, form: str = "") -> int:
    connection = _Loopback(host, stack.https_port)
    headers = {"Cookie": cookie}
    if method == "POST":
        headers |= {
            "Origin": stack.url(host, "").rstrip("/"),
            "Content-Type": "application/x-www-form-urlencoded",
        }
    try:
        connection.request(method, path, body=form.encode() or None, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@dataclass
class _Call:
    method: str
    started: float
    finished: float = 0.0
    outcome: int | str = ""  # the status, or the exception when there was no answer


_EXPECTED = {"GET": 200, "POST": 302}


def _call(stack: Stack, cookie: str, csrf: str, method: str, calls: list[_Call]) -> None:
    """One request through Caddy, recorded whatever happens: a signed-in page, or marking
    all notifications read (a POST that redirects)."""
    call = _Call(method, time.monotonic())
    calls.append(call)
    try:
        if method == "GET":
            call.outcome = _get(stack, ORG_HOST, "/", cookie)
        else:
            form = f"csrfmiddlewaretoken={csrf}"
            call.outcome = _request(
                stack, ORG_HOST, "POST", "/notifications/read-all/", cookie, form
            )
    except (OSError, http.client.HTTPException) as error:
        call.outcome = repr(error)
    call.finished = time.monotonic()


def _steady_load(
    stack: Stack,
    cookie: str,
    csrf: str,
    pool: ThreadPoolExecutor,
    calls: list[_Call],
    stop: threading.Event,
) -> None:
    """RESTART_RATE requests a second, alternately GET and POST, until `stop`: an open
    loop, so requests keep arriving while earlier ones are held."""
    for index in itertools.count():
        if stop.wait(1 / RESTART_RATE):
            return
        pool.submit(_call, stack, cookie, csrf, ("GET", "POST")[index % 2], calls)


def _session_cookie(context: BrowserContext, stack: Stack) -> str:
    cookies = context.cookies(stack.url(ORG_HOST, "/"))
    return "; ".join(f"{c['name']}={c['value']}" for c in cookies)


def _burst(stack: Stack, cookie: str, clients: int, each: int) -> list[int]:
    """`clients` signed-in requests at once, `each` times over: the page's statuses."""
    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(lambda _: _get(stack, ORG_HOST, "/", cookie), range(clients * each)))


def _slow_announcement(stack: Stack, cookie: str, csrf: str, seconds: float) -> int:
    """POSTs an announcement to the web role itself (Caddy would hold the request until
    its body is complete) with a body that takes `seconds` to arrive: in flight at the web
    role throughout. Headers as Caddy would forward them."""
    body = f"csrfmiddlewaretoken={csrf}&title=Sent+across+a+restart&body=".encode()
    connection = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=60)
    try:
        connection.putrequest("POST", "/notifications/announce/", skip_host=True)
        for header, value in {
            "Host": f"{ORG_HOST}:{stack.https_port}",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "127.0.0.1",
            "Origin": stack.url(ORG_HOST, "").rstrip("/"),
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(body)),
        }.items():
            connection.putheader(header, value)
        connection.endheaders()
        pieces = [body[i : i + 8] for i in range(0, len(body), 8)]
        for piece in pieces:
            connection.send(piece)
            time.sleep(seconds / len(pieces))
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _proxy_errors(stack: Stack) -> list[str]:
    """Caddy's error log: why each request it could not proxy failed."""
    errors = []
    for line in stack.processes["caddy"].lines:
        if '"logger":"http.log.error"' in line:
            errors.append(json.loads(line)["msg"])
    return errors


# Past the suite's 300 s: the fixture builds a virtualenv and starts the whole stack, and
# the test starts a second web role after the first one's drain (2 to 6 minutes here).
@pytest.mark.timeout(600)
def test_the_deployed_stack_serves_an_organization_end_to_end(
    stack: Stack, browser: Browser, tmp_path: Path
):
    _staff_provisions(stack, browser)
    owner = _owner_joins(stack, browser)
    _upload_and_download(owner, stack, tmp_path)
    cookie = _session_cookie(owner, stack)

    # A burst of signed-in requests beyond the database role's connection limit: the
    # pool makes them wait their turn instead of failing with "too many clients".
    statuses = _burst(stack, cookie, BURST_CLIENTS, 3)
    assert statuses.count(200) == len(statuses), (
        {status: statuses.count(status) for status in set(statuses)},
        stack.logs(),
    )

    # The bell's socket, left idle while migrate_tenants applies a new migration under the
    # serving web role; then a push from the worker arrives on that same socket.
    watching = owner.new_page()
    sockets, closed = [], []

    def opened(socket_) -> None:
        sockets.append(socket_)
        socket_.on("close", lambda _: closed.append(socket_))

    watching.on("websocket", opened)
    watching.goto(stack.url(ORG_HOST, "/"))
    expect(watching.locator("#notification-bell")).to_be_visible()
    idle_since = time.monotonic()
    serving: list[int] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            serving.append(_get(stack, ORG_HOST, "/files/", cookie))

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        migrated = stack.manage(
            "migrate_tenants", DJANGO_SETTINGS_MODULE="tests.deploy.settings_rehearsal"
        )
    finally:
        stop.set()
        asker.join()
    assert "deploy_probe" in migrated or "Applying" in migrated, migrated
    assert serving and serving.count(200) == len(serving), serving
    watching.wait_for_timeout(max(0, IDLE_SECONDS - (time.monotonic() - idle_since)) * 1000)

    announcing = owner.new_page()
    announcing.goto(stack.url(ORG_HOST, "/notifications/"))
    announcing.fill("input[name=title]", "Deploy finished")
    announcing.get_by_role("button", name="Send to everyone").click()
    expect(watching.locator("#notification-bell .badge")).to_have_text("1", timeout=20_000)
    assert len(sockets) == 1 and not closed, (
        f"the idle bell socket was dropped and reopened ({len(sockets)} sockets)",
        stack.logs(),
    )

    # SIGTERM to the web role's main process, as a container runtime sends it, then a new
    # one: no request is dropped. GETs and POSTs go through Caddy all the while, at a steady
    # rate whatever the answers take (so many arrive while no web role listens, held by
    # Caddy), and four POSTs are mid-body at the web role itself when uvicorn's shutdown
    # starts, past the drain (config/drain.py, deploy/Caddyfile).
    csrf = next(
        c["value"] for c in owner.cookies(stack.url(ORG_HOST, "/")) if c["name"] == "csrftoken"
    )
    errors_before = len(_proxy_errors(stack))
    calls: list[_Call] = []
    with ThreadPoolExecutor(RESTART_CLIENTS) as pool:
        stop.clear()
        pace = threading.Thread(target=_steady_load, args=(stack, cookie, csrf, pool, calls, stop))
        pace.start()
        try:
            in_flight = [
                pool.submit(_slow_announcement, stack, cookie, csrf, DRAIN_SECONDS + 3)
                for _ in range(4)
            ]
            time.sleep(1)
            restart = stack.restart_web()
            time.sleep(1)
        finally:
            stop.set()
            pace.join()
        posts = [future.result() for future in in_flight]
    assert restart.code == 0, stack.logs()
    assert posts == [302] * 4, (posts, stack.logs())
    failed = [c for c in calls if c.outcome != _EXPECTED[c.method]]
    errors = _proxy_errors(stack)[errors_before:]
    during = [c for c in calls if restart.sent_at <= c.started < restart.ready_at]
    # uvicorn stops listening when the drain ends (it may take a while longer to exit).
    stopped_at = restart.sent_at + DRAIN_SECONDS + 1
    held = [c for c in calls if stopped_at <= c.started < restart.listening_at]
    figures = {
        method: (
            sum(c.method == method for c in calls),
            sum(c.method == method for c in during),
            sum(c.method == method for c in held),
            sum(c.method == method and c.started < restart.sent_at < c.finished for c in calls),
        )
        for method in _EXPECTED
    }
    print(
        f"restart: SIGTERM → old role gone {restart.exited_at - restart.sent_at:.1f} s → new "
        f"one listening {restart.listening_at - restart.exited_at:.1f} s → served through "
        f"Caddy {restart.ready_at - restart.listening_at:.1f} s; (requests, arriving "
        f"during the restart, while none listened, in flight at SIGTERM) by method: "
        f"{figures}; failed {len(failed)}; in-flight POSTs at the web role {posts}"
    )
    assert not failed and not errors, (failed, errors, figures)
    assert all(count >= 10 for _, count, _, _ in figures.values()), figures
    assert all(count >= 3 for _, _, count, _ in figures.values()), figures

    # Not-found pages in the platform's layout: the public host, an unknown organization's
    # host, a page missing at a known organization.
    page = owner.new_page()
    for url in (
        stack.url(path="/no-such-page/"),
        stack.url("nowhere.localhost", "/"),
        stack.url(ORG_HOST, "/no-such-page/"),
    ):
        response = page.goto(url)
        assert response is not None and response.status == 404, url
        # The platform's error layout (Django's bare page is titled "Not Found").
        expect(page).to_have_title(re.compile(r" · Tenantry$"))
        expect(page.locator("main h1")).to_be_visible()
