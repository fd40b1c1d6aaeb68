"""deploy/entrypoint.sh, every ROLE, run directly (no Docker engine here) against a
database of its own."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT, output_of
from tests.live import LiveProcess, free_port

ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"


def _run_role(env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(ENTRYPOINT)], cwd="/", env=env, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


def start_role(env: dict[str, str]) -> LiveProcess:
    """A long-running role through the entrypoint, started from another directory: the
    entrypoint finds the project by itself."""
    return LiveProcess(["bash", str(ENTRYPOINT)], env=env, cwd="/")


def _get(port: int, path: str, host: str = "10.1.2.3") -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _role_env(database, role: str, migrations: str = "v1", **extra: str) -> dict[str, str]:
    settings = {"ROLE": role, "PYTHON": sys.executable, "WAIT_FOR_SERVICES_TIMEOUT": "20"}
    return database.env(migrations, **{**settings, **extra})


def test_web_role_is_live_at_once_and_ready_only_once_migrate_role_has_run(deploy_database):
    port = free_port()
    web = start_role(_role_env(deploy_database, "web", "v2", PORT=str(port), WEB_CONCURRENCY="1",
                         HOST="127.0.0.1"))  # fmt: skip
    try:
        web.wait_for("Uvicorn running on")
        assert any("The database is up." in line for line in web.lines)
        # Probes come by IP, a Host no organization has.
        assert _get(port, "/healthz") == (200, {"status": "ok", "version": "dev",
                                                 "commit": "unknown"})  # fmt: skip
        status, body = _get(port, "/readyz")
        assert status == 503, body
        assert body["checks"]["migrations"] == "pending in 5 schema(s)"
        assert {body["checks"][name] for name in ("database", "redis", "broker")} == {"ok"}

        migrate = _run_role(_role_env(deploy_database, "migrate", "v2"))
        assert migrate.returncode == 0, output_of(migrate)
        assert "Redis is up." in migrate.stdout and "4 schema(s) migrated" in migrate.stdout

        assert _get(port, "/readyz") == (
            200,
            {"status": "ready", "checks": dict.fromkeys(
                ("database", "redis", "broker", "migrations"), "ok")},
        )  # fmt: skip
    finally:
        assert web.stop() in (0, -signal.SIGTERM), "\n".join(web.lines[-20:])


@pytest.mark.parametrize(("role", "started"), [("worker", "ready."), ("beat", "beat: Starting")])
def test_worker_and_beat_roles_start_and_stop(deploy_database, tmp_path, role, started):
    process = start_role(_role_env(deploy_database, role, WORKER_CONCURRENCY="1",
                             BEAT_SCHEDULE_FILE=str(tmp_path / "beat-schedule")))  # fmt: skip
    try:
        process.wait_for(started)
        if role == "beat":
            _wait_for_schedule_file(tmp_path)
    finally:
        code = process.stop()
    assert code in (0, -signal.SIGTERM), "\n".join(process.lines[-20:])


def _wait_for_schedule_file(folder: Path, timeout: float = 30) -> None:
    """Until beat has written its schedule's index (dbm.dumb writes `.dir` at the end of
    beat's setup). Celery's SIGTERM handler syncs the schedule from inside the signal
    handler, so a SIGTERM during beat's first imports re-enters them and beat exits 1:
    "module 'dbm.dumb' has no attribute 'open'" while shelve imports dbm, "unknown
    encoding: Latin-1" while dbm.dumb's first file import of the codec runs (each seen
    once in CI). The `.dat` file exists before that second import; `.dir` with content
    only after it."""
    index = folder / "beat-schedule.dir"
    deadline = time.monotonic() + timeout
    while not (index.exists() and index.stat().st_size > 0):
        assert time.monotonic() < deadline, f"beat never wrote its schedule in {folder}"
        time.sleep(0.05)


def test_an_unknown_role_is_refused(deploy_database):
    result = _run_role(_role_env(deploy_database, "cron"))
    assert result.returncode == 64
    assert "Unknown ROLE 'cron': use web, worker, beat or migrate." in result.stderr


def test_waiting_for_the_database_is_bounded_and_says_what_is_missing(deploy_database):
    port = free_port()  # nothing listens there
    unreachable = f"postgres://tenantry:s3cret@127.0.0.1:{port}/tenantry"
    env = _role_env(deploy_database, "migrate", WAIT_FOR_SERVICES_TIMEOUT="1",
                    DATABASE_URL=unreachable)  # fmt: skip
    result = _run_role(env, timeout=60)
    assert result.returncode == 1
    assert (
        f"Gave up after 1 s waiting for the database at postgres://tenantry:***@127.0.0.1:{port}"
        "/tenantry" in result.stderr
    ), output_of(result)
    assert "Is it running, and is DATABASE_URL right?" in result.stderr
    assert "s3cret" not in output_of(result)


def test_arguments_replace_the_role_command_after_the_wait(deploy_database):
    result = subprocess.run(
        ["bash", str(ENTRYPOINT), sys.executable, "-c", "print('custom command ran')"],
        cwd="/", env=_role_env(deploy_database, "worker"), capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, output_of(result)
    assert result.stdout.splitlines()[-1] == "custom command ran"
    assert "Redis is up." in result.stdout


def _healthz_from(source: str, port: int, forwarded_for: str) -> None:
    """GET /healthz with an X-Forwarded-For, from a chosen local source address."""
    import http.client

    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=15, source_address=(source, 0)
    )
    connection.request("GET", "/healthz", headers={"X-Forwarded-For": forwarded_for})
    assert connection.getresponse().status == 200
    connection.close()


def test_web_role_believes_forwarded_for_only_from_the_trusted_proxy(deploy_database):
    """The access log shows the address rate limits and the audit log use (the app sets
    it): from 127.0.0.1 (FORWARDED_ALLOW_IPS' default) the forwarded client, from any
    other peer (127.0.0.2 here) the peer itself, whatever header it sends."""
    port = free_port()
    web = start_role(_role_env(deploy_database, "web", PORT=str(port), WEB_CONCURRENCY="1",
                               HOST="127.0.0.1"))  # fmt: skip
    try:
        web.wait_for("Uvicorn running on")
        _healthz_from("127.0.0.1", port, "198.51.100.1")
        web.wait_for('198.51.100.1:0 - "GET /healthz')
        _healthz_from("127.0.0.2", port, "198.51.100.2")
        web.wait_for("127.0.0.2:")
        assert not any("198.51.100.2" in line for line in web.lines), web.lines[-5:]
    finally:
        assert web.stop() in (0, -signal.SIGTERM), "\n".join(web.lines[-20:])


def _status(port: int, path: str) -> tuple[int, str]:
    """Any answer's status and body (text); raises if nothing answers."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": "10.1.2.3"})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_web_role_drains_on_sigterm_before_it_shuts_down(deploy_database):
    """SIGTERM: for WEB_DRAIN_SECONDS both workers answer 503 on the health checks (the
    proxy takes the role out) and still serve everything else; then the role exits 0."""
    port = free_port()
    web = start_role(_role_env(deploy_database, "web", PORT=str(port), WEB_CONCURRENCY="2",
                               HOST="127.0.0.1", WEB_DRAIN_SECONDS="8"))  # fmt: skip
    try:
        web.wait_for("Uvicorn running on")  # bound; it listens once a worker has started
        web.wait_for("Application startup complete")
        deadline = time.monotonic() + 60
        while _status(port, "/healthz")[0] != 200:
            assert time.monotonic() < deadline, "\n".join(web.lines[-20:])
            time.sleep(0.2)
        os.kill(web.process.pid, signal.SIGTERM)  # the main process, as a runtime does
        deadline = time.monotonic() + 5
        while _status(port, "/healthz")[0] != 503:  # the main process passes it on
            assert time.monotonic() < deadline, "\n".join(web.lines[-20:])
            time.sleep(0.1)
        answers = [_status(port, "/healthz") for _ in range(6)]  # reaches both workers
        assert answers == [(503, '{"status": "draining"}')] * 6
        assert _status(port, "/readyz")[0] == 503
        # Anything else is still served by Django meanwhile.
        assert _status(port, "/internal/domain-check") == (400, "Missing ?domain=\n")
        assert web.process.poll() is None
        assert web.process.wait(timeout=60) == 0
    finally:
        web.stop()
