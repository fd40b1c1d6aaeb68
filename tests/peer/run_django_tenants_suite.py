"""django-tenants' own test suite, run on the stock backend and on Tenantry's.

Tenantry replaces django-tenants' database backend (shared_apps.tenants.db.backend), so
everything django-tenants tests about schemas must hold on ours too. The suite needs the
test project that ships only in the source distribution (`dts_test_project/`): it is
fetched from PyPI with pip (cached under .data/cache/peer), run against a throwaway
embedded PostgreSQL, once per backend. Fails if a test that passes on the stock backend
does not pass on ours, except the ones in EXPECTED_DIFFERENCES.

    uv run python tests/peer/run_django_tenants_suite.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from config.env import embedded_socket_dir  # noqa: E402
from shared_apps.localdev.embedded import EmbeddedServices  # noqa: E402

BACKENDS = {
    "stock": "django_tenants.postgresql_backend",
    "tenantry": "shared_apps.tenants.db.backend",
}
# Tests that differ only because Tenantry sends `SET search_path` with the next statement
# instead of on its own (one round trip fewer): they count SET statements, not schemas.
_COUNTS_SETS = (
    "asserts the number of statements: Tenantry sends the SET in the same message as the "
    "statement after it, so Django's query log shows one entry where the stock backend shows two"
)
EXPECTED_DIFFERENCES: dict[str, str] = {
    "django_tenants.tests.test_tenants.TenantDataAndSettingsTest.test_switching_search_path": (
        _COUNTS_SETS
    ),
    "django_tenants.tests.test_tenants.TenantDataAndSettingsTest"
    ".test_switching_search_path_limited_calls": _COUNTS_SETS,
}

# Django's runner at verbosity 2: "test_name (module.Class.test_name) ... ok"
_RESULT = re.compile(
    r"^(?P<name>test\w*) \((?P<where>[\w.]+)\)(?:\n.*?)? \.\.\. "
    r"(?P<outcome>ok|FAIL|ERROR|skipped|expected failure|unexpected success)",
    re.MULTILINE,
)

# Read before django_tenants' settings, so its test project sees our backend and the one
# setting our backend reads.
_SETTINGS = """\
import os
from dts_test_project.settings import *  # noqa: F403

DATABASES["default"]["ENGINE"] = os.environ["PEER_DB_ENGINE"]
PGBOUNCER_TRANSACTION_MODE = False
"""


def _sdist(cache: Path) -> Path:
    """The unpacked source distribution of the installed django-tenants version."""
    release = version("django-tenants")
    unpacked = cache / f"django_tenants-{release}"
    if (unpacked / "dts_test_project" / "manage.py").exists():
        return unpacked
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["uv", "tool", "run", "pip", "download", "--quiet", "--no-binary", ":all:",
         "--no-deps", f"django-tenants=={release}", "--dest", str(cache)],
        check=True,
    )  # fmt: skip
    with tarfile.open(cache / f"django_tenants-{release}.tar.gz") as archive:
        archive.extractall(cache, filter="data")
    return unpacked


def _run_suite(project: Path, backend: str, pg_host: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PEER_DB_ENGINE": BACKENDS[backend],
        "DJANGO_SETTINGS_MODULE": "peer_settings",
        "PYTHONPATH": os.pathsep.join([str(project.parent), str(project), str(REPO)]),
        "DATABASE_DB": f"dts_peer_{backend}",
        "DATABASE_HOST": str(pg_host),
        "DATABASE_PORT": "5432",
        "DATABASE_USER": "postgres",
    }
    run = subprocess.run(
        [sys.executable, "manage.py", "test", "django_tenants", "--noinput", "-v", "2"],
        cwd=project, env=env, capture_output=True, text=True,
    )  # fmt: skip
    results = {f"{m['where']}": m["outcome"] for m in _RESULT.finditer(run.stderr + run.stdout)}
    if not results:
        sys.stderr.write(run.stdout + run.stderr)
        raise SystemExit(f"django-tenants' suite did not run on the {backend} backend.")
    failed = sorted(name for name, outcome in results.items() if outcome in {"FAIL", "ERROR"})
    print(f"{backend}: {len(results)} tests, {len(failed)} failed or errored")
    for name in failed:
        print(f"  {results[name]}: {name}")
    if failed and backend == "tenantry":
        sys.stderr.write(run.stderr[-20000:])
    return results


def main() -> int:
    project = _sdist(REPO / ".data" / "cache" / "peer") / "dts_test_project"
    (project / "peer_settings.py").write_text(_SETTINGS)
    with tempfile.TemporaryDirectory(prefix="tenantry-peer-") as data_dir:
        postgres = EmbeddedServices(Path(data_dir))
        postgres.start(redis=False)
        try:
            host = embedded_socket_dir(Path(data_dir).resolve())
            stock = _run_suite(project, "stock", host)
            ours = _run_suite(project, "tenantry", host)
        finally:
            postgres.stop()
    regressions = sorted(
        name
        for name, outcome in stock.items()
        if outcome == "ok" and ours.get(name) != "ok" and name not in EXPECTED_DIFFERENCES
    )
    for name, why in EXPECTED_DIFFERENCES.items():
        print(f"allowed to differ: {name} ({ours.get(name)}): {why}")
    if regressions:
        print("Pass on django-tenants' backend, not on Tenantry's:")
        for name in regressions:
            print(f"  {ours.get(name, 'missing')}: {name}")
        return 1
    print("Tenantry's backend passes every test django-tenants' own backend passes.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
