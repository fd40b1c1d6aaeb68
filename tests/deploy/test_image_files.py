"""The image's files, checked without a Docker engine: the compose file against the Compose
Specification's JSON schema, the Dockerfile with hadolint, the entrypoint with
shellcheck, the Caddyfile with Caddy itself, and .env.example against what is read."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.deploy.conftest import ROOT

BIN = Path(sys.executable).parent


def _run(*argv: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv, cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, **env}
    )


def test_compose_file_follows_the_compose_specification():
    result = _run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                  "docker-compose.yml")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_has_every_service_with_a_health_check_and_migrate_gates_the_app():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"postgres", "redis", "migrate", "web", "worker", "beat", "flower",
                             "mailpit", "minio", "proxy"}  # fmt: skip
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    for name in ("web", "worker", "beat", "flower"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["minio"]["profiles"] == ["s3"]
    assert "--appendonly" in services["redis"]["command"]
    assert services["flower"]["command"][:4] == ["celery", "-A", "config", "flower"]


def test_dockerfile_passes_hadolint():
    result = _run(str(BIN / "hadolint"), "deploy/Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_as_a_numeric_non_root_user_and_labels_version_and_commit():
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    final_stage = text.split("\nFROM ")[-1]
    assert re.search(r"^USER 10001:10001$", final_stage, re.M)
    assert 'org.opencontainers.image.version="${VERSION}"' in final_stage
    assert 'org.opencontainers.image.revision="${COMMIT}"' in final_stage
    assert 'ENTRYPOINT ["/app/deploy/entrypoint.sh"]' in final_stage


def test_entrypoint_passes_shellcheck():
    result = _run(str(BIN / "shellcheck"), "deploy/entrypoint.sh")
    assert result.returncode == 0, result.stdout + result.stderr


def test_caddyfile_is_valid_and_asks_the_platform_before_on_demand_certificates():
    result = _run(str(BIN / "caddy"), "validate", "--adapter", "caddyfile",
                  "--config", "deploy/Caddyfile", PLATFORM_DOMAIN="example.test")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Valid configuration" in result.stdout + result.stderr
    adapted = _run(str(BIN / "caddy"), "adapt", "--adapter", "caddyfile",
                   "--config", "deploy/Caddyfile", PLATFORM_DOMAIN="example.test")  # fmt: skip
    assert "http://web:8000/internal/domain-check" in adapted.stdout
    assert '"*.example.test"' in adapted.stdout


def _documented_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.M))


def test_env_example_documents_every_variable_compose_and_settings_read():
    documented = _documented_variables()
    compose = (ROOT / "docker-compose.yml").read_text()
    in_compose = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", compose))
    settings_code = "\n".join(
        path.read_text() for path in (ROOT / "config").rglob("*.py")
    )  # fmt: skip
    in_settings = set(re.findall(r'env\.\w+\("([A-Z][A-Z0-9_]+)"', settings_code))
    entrypoint = (ROOT / "deploy" / "entrypoint.sh").read_text()
    in_entrypoint = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+):", entrypoint))
    # Set by the test runner or the dev command, never by a deployment (EMAIL_BACKEND is
    # read by the test settings only: the browser tests print emails to the worker's output).
    local_only = {"PYTEST_XDIST_WORKER", "TENANTRY_DATA_DIR", "HOST", "PORT", "TENANTRY_IMAGE",
                  "APP_DIR", "PYTHON", "ROLE", "EMAIL_BACKEND"}  # fmt: skip
    missing = (in_compose | in_settings | in_entrypoint) - documented - local_only
    assert not missing, f".env.example does not document: {sorted(missing)}"


def _compose_postgres_settings() -> dict[str, str]:
    """The `-c name=value` settings of the compose file's postgres, `${VAR:-default}` read
    as its default (what the service runs with when .env leaves VAR unset)."""
    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["postgres"][
        "command"
    ]
    assert command[0] == "postgres"
    pairs = [command[i + 1] for i, arg in enumerate(command) if arg == "-c"]
    return dict(re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", pair).split("=", 1) for pair in pairs)


def test_compose_postgres_settings_for_thousands_of_schemas_start_a_real_postgresql(tmp_path):
    """The settings docs/deploy.md asks for ("PostgreSQL for thousands of schemas"), as the
    compose file passes them, are accepted by PostgreSQL and in force."""
    import psycopg

    from config.env import embedded_database_url
    from shared_apps.localdev.embedded import EmbeddedServices

    settings = _compose_postgres_settings()
    assert set(settings) >= {"shared_buffers", "max_files_per_process"}
    server = EmbeddedServices(data_dir=tmp_path, postgres_settings=settings)
    server.start(redis=False)
    try:
        with psycopg.connect(embedded_database_url(tmp_path, "postgres")) as conn:
            shown = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in settings}
    finally:
        server.stop()
    assert shown == {"shared_buffers": "1GB", "max_files_per_process": "10000"}
