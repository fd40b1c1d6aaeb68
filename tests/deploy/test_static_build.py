"""The static files are built the way production reads them (deploy/build.sh, shared with
the Dockerfile), and every template renders under config.settings.prod from that build."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.deploy.conftest import ROOT

# prod.py requires these; nothing here connects to them (port 1 refuses at once).
_PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "SECRET_KEY": "test-only-key-for-rendering-templates-under-production-settings",
    "DATABASE_URL": "postgres://nobody:nothing@127.0.0.1:1/nothing",
    "REDIS_URL": "redis://127.0.0.1:1/0",
}


def _run(argv: list[str], **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        argv, cwd=ROOT, capture_output=True, text=True, timeout=180,
        env={**os.environ, "PYTHON": sys.executable, **env},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _render_every_template(static_root: Path) -> dict[str, dict]:
    result = _run([sys.executable, "-m", "tests.deploy.render_templates"],
                  **_PROD_ENV, STATIC_ROOT=str(static_root))  # fmt: skip
    return json.loads(result.stdout)


def test_every_template_renders_under_prod_settings_from_the_build_script(tmp_path):
    _run(["deploy/build.sh"], STATIC_ROOT=str(tmp_path))
    assert (tmp_path / "staticfiles.json").is_file()

    report = _render_every_template(tmp_path)

    assert len(report) >= 30, sorted(report)
    missing = {name: entry["missing"] for name, entry in report.items() if entry["missing"]}
    assert not missing
    assert report["base.html"]["render"] == "ok"
    # Served by their hashed names, which exist in the build.
    urls = [url for entry in report.values() for url in entry["static"]]
    assert any("tenantry." in url for url in urls), urls
    for url in urls:
        assert re.search(r"\.[0-9a-f]{12}\.", url), url
        assert (tmp_path / url.removeprefix("/static/")).is_file(), url
    # With no view behind them, some templates lack what their view passes (a URL argument,
    # allauth's element slots, a component's parameters, a URL namespace of the including
    # page): those are the only failures allowed, never a static file or anything else.
    failed = {name: entry["render"] for name, entry in report.items() if entry["render"] != "ok"}
    needs_a_view = ("NoReverseMatch:", "KeyError: 'slots'", "TemplateDoesNotExist: No template",
                    "VariableDoesNotExist:")  # fmt: skip
    assert not {n: why for n, why in failed.items() if not why.startswith(needs_a_view)}, failed
    assert len(report) - len(failed) >= 60, failed


def test_a_build_without_the_manifest_fails_the_same_check(tmp_path):
    """The old Dockerfile's way (collectstatic under config.settings.base): no manifest,
    and every page that links a static file raises instead of rendering."""
    _run([sys.executable, "manage.py", "collectstatic", "--noinput"],
         **{**_PROD_ENV, "DJANGO_SETTINGS_MODULE": "config.settings.base"},
         STATIC_ROOT=str(tmp_path))  # fmt: skip

    report = _render_every_template(tmp_path)

    assert "Missing staticfiles manifest entry" in report["base.html"]["missing"][0]
    assert "Missing staticfiles manifest entry" in report["account/login.html"]["render"]


def test_the_dockerfile_builds_with_the_build_script():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "deploy/build.sh" in dockerfile
    assert "collectstatic" not in dockerfile
