"""Lighthouse (the npm package, on Debian's Chromium) on the main organization and console
pages, signed in: accessibility ≥ 95 and performance ≥ 90 on each (docs/ui.md).

Lighthouse is not a project dependency (it needs Node): this module runs when
`LIGHTHOUSE` names its command and is skipped otherwise, e.g.

    npm install --prefix /tmp/lh lighthouse@12
    export LIGHTHOUSE=/tmp/lh/node_modules/.bin/lighthouse
    uv run pytest tests/e2e/test_lighthouse.py -n 0 -s

Each page is audited with the desktop preset (no simulated mobile throttling), the
session's cookie passed as an extra header; the reports go to artifacts/e2e/lighthouse/.
"""

import json
import os
import subprocess

import pytest
from playwright.sync_api import Page, expect

from shared_apps.localdev.demo import STAFF_EMAIL
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, CSPWatchedBrowser, Platform
from tests.e2e.test_ui import ACME, ARTIFACTS, sign_in

LIGHTHOUSE = os.environ.get("LIGHTHOUSE", "")
MIN_ACCESSIBILITY, MIN_PERFORMANCE = 95, 90

pytestmark = pytest.mark.skipif(
    not LIGHTHOUSE, reason="set LIGHTHOUSE to the lighthouse command (module docstring)"
)


def _session_cookie(page: Page) -> str:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return f"sessionid={cookies['sessionid']}"


def _audit(url: str, cookie: str, name: str) -> dict[str, float]:
    reports = ARTIFACTS / "lighthouse"
    reports.mkdir(parents=True, exist_ok=True)
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    result = subprocess.run(
        [LIGHTHOUSE, url, "--preset=desktop", "--only-categories=accessibility,performance",
         "--output=json", f"--output-path={reports / (name + '.json')}", "--quiet",
         f"--chrome-flags={flags}", "--extra-headers", json.dumps({"Cookie": cookie})],
        env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((reports / f"{name}.json").read_text())
    assert report["finalDisplayedUrl"] == url, "redirected (signed out?)"
    scores = {key: round(cat["score"] * 100) for key, cat in report["categories"].items()}
    audits = report["audits"]
    return {
        **scores,
        "fcp_ms": audits["first-contentful-paint"]["numericValue"],
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
    }


def test_main_pages_score_in_lighthouse(platform: Platform, browser: CSPWatchedBrowser):
    tenant = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(tenant, platform, ACME, "alice@acme.test")
    tenant.fill("input[name=name]", "Lighthouse check")
    tenant.get_by_role("button", name="Add project").click()
    tenant.get_by_role("link", name="Lighthouse check").click()
    project_path = tenant.url.removeprefix(platform.url(ACME, ""))
    tenant.get_by_role("link", name="New task").click()
    tenant.fill("#id_title", "Score it")
    tenant.get_by_role("button", name="Create task").click()
    expect(tenant.get_by_role("heading", name="Score it")).to_be_visible()
    task_path = tenant.url.removeprefix(platform.url(ACME, ""))
    pages = [(ACME, path, _session_cookie(tenant)) for path in
             ["/", project_path, task_path, "/members/", "/files/", "/notifications/"]]  # fmt: skip

    console = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(console, platform, "localhost", STAFF_EMAIL)
    pages += [("localhost", path, _session_cookie(console))
              for path in ["/platform/", "/platform/organizations/acme/"]]  # fmt: skip

    figures = {}
    for host, path, cookie in pages:
        name = (host + path).strip("/").replace("/", "_").replace(".", "-")
        figures[f"{host}{path}"] = _audit(platform.url(host, path), cookie, name)
    print("\nLighthouse, desktop preset (accessibility, performance; FCP/LCP/TBT ms, CLS):")
    for url, f in figures.items():
        times = f"{f['fcp_ms']:>7.0f} {f['lcp_ms']:>7.0f} {f['tbt_ms']:>6.0f} {f['cls']:.3f}"
        print(f"  {url:<44} {f['accessibility']:>4} {f['performance']:>4} {times}")
    low = {
        url: (f["accessibility"], f["performance"])
        for url, f in figures.items()
        if f["accessibility"] < MIN_ACCESSIBILITY or f["performance"] < MIN_PERFORMANCE
    }
    assert low == {}
