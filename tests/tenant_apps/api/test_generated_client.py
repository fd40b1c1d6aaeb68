"""The schema is usable, not only valid: a typed client generated from the live server's
schema by openapi-python-client (docs/api.md#the-generated-client) lists and creates
projects and reads /me over a real socket, and an Acme token is refused at Globex."""

import importlib
import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tenant_apps.api.live_api import LiveApi, live_api

PACKAGE = "tenantry_client"


@pytest.fixture(scope="module")
def live() -> Iterator[LiveApi]:
    with live_api() as server:
        yield server


@pytest.fixture(scope="module")
def client_package(live: LiveApi, tmp_path_factory):
    """The client generated into a temporary folder from Acme's /api/schema/, imported."""
    folder = tmp_path_factory.mktemp("client")
    (folder / "schema.json").write_text(json.dumps(live.schema("acme")))
    (folder / "config.yaml").write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    generated = subprocess.run(
        [str(Path(sys.executable).with_name("openapi-python-client")), "generate",
         "--path", "schema.json", "--config", "config.yaml", "--meta", "none",
         "--output-path", PACKAGE, "--fail-on-warning"],
        cwd=folder, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stdout + generated.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_every_generated_module_imports(client_package):
    api = importlib.import_module(f"{PACKAGE}.api")
    modules = [m.name for m in pkgutil.walk_packages(api.__path__, f"{PACKAGE}.api.")]
    for name in modules:
        importlib.import_module(name)
    assert f"{PACKAGE}.api.projects.projects_create" in modules


def _client(package, live: LiveApi, slug: str, token: str | None = None):
    return package.AuthenticatedClient(
        base_url=live.base_url,
        token=token or live.tokens[slug],
        headers={"Host": live.host(slug)},
        raise_on_unexpected_status=True,
    )


def test_the_generated_client_creates_and_lists_projects_and_reads_me(client_package, live):
    me_retrieve = importlib.import_module(f"{PACKAGE}.api.me.me_retrieve")
    projects_create = importlib.import_module(f"{PACKAGE}.api.projects.projects_create")
    projects_list = importlib.import_module(f"{PACKAGE}.api.projects.projects_list")
    models = importlib.import_module(f"{PACKAGE}.models")

    with _client(client_package, live, "acme") as client:
        me = me_retrieve.sync(client=client)
        assert isinstance(me, models.MeRetrieveResponse200)
        assert me.data.email == "alice@acme.test"
        assert me.data.role == "owner"
        assert me.meta["organization"] == "acme"

        created = projects_create.sync(
            client=client, body=models.ProjectRequest(name="Generated client")
        )
        assert isinstance(created, models.ProjectsCreateResponse201)
        assert created.data.name == "Generated client"

        page = projects_list.sync(client=client, page_size=10)
        assert isinstance(page, models.ProjectsListResponse200)
        assert created.data.id in [project.id for project in page.data]

        refused = projects_create.sync_detailed(client=client, body=models.ProjectRequest(name=" "))
        assert refused.status_code == 422
        assert isinstance(refused.parsed, models.ErrorEnvelope)
        assert refused.parsed.error.code == "invalid"

    with _client(client_package, live, "globex") as globex:
        assert [p.name for p in projects_list.sync(client=globex).data] == []
    with _client(client_package, live, "globex", token=live.tokens["acme"]) as wrong_host:
        refused = me_retrieve.sync_detailed(client=wrong_host)
        assert refused.status_code == 401
        assert isinstance(refused.parsed, models.ErrorEnvelope)
