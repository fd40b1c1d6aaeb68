"""The tenant API served for real: uvicorn on a socket, a database of its own with the demo
organizations (acme, globex), a JWT signing key, and a personal token of each one's owner
(a live server sees only committed data: the test's transaction-wrapped fixtures cannot
serve it)."""

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from tests.live import ROOT, LiveProcess, free_port, project_env, scratch_database

# Runs inside the server's project: each owner's token (ids far from the small ids a
# generated path uses: DELETE /tokens/1/ must not revoke the caller), the business plan (a
# client's bursts are not rate limited), a signing key.
_MAKE_TOKENS = """
import json
from django.core.management import call_command
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import tenant_context
from shared_apps.tenants.audit import Actor
from shared_apps.tenants.models import Organization
from tenant_apps.api.models import ApiToken
from tenant_apps.api.tokens import token_create
tokens = {}
for org in Organization.objects.exclude(schema_name="public"):
    Organization.objects.filter(pk=org.pk).update(plan="business")
    with tenant_context(org):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), 7340000)",
                [ApiToken._meta.db_table],
            )
        owner = get_user_model().objects.get(role="owner")
        _token, raw = token_create(user=owner, name="live", scope="read-write",
                                   lifetime_days=1, actor=Actor.command_line())
    tokens[org.slug] = raw
call_command("jwt_keys", "rotate")
print("TOKENS " + json.dumps(tokens))
"""


@dataclass
class LiveApi:
    port: int
    tokens: dict[str, str]  # organization slug → its owner's personal token

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def host(self, slug: str) -> str:
        return f"{slug}.{settings.PLATFORM_DOMAIN}"

    def headers(self, slug: str) -> dict[str, str]:
        return {"Host": self.host(slug), "Authorization": f"Bearer {self.tokens[slug]}"}

    def schema(self, slug: str) -> dict:
        request = urllib.request.Request(
            f"{self.base_url}/api/schema/?format=json", headers={"Host": self.host(slug)}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@contextlib.contextmanager
def live_api() -> Iterator[LiveApi]:
    with (
        scratch_database(f"tenantry_api_{os.getpid()}") as url,
        tempfile.TemporaryDirectory() as keys,
    ):
        env = project_env(
            url,
            DJANGO_SETTINGS_MODULE="config.settings.test",
            # Own prefixes for cache, sessions and rate-limit counters (config/settings/test.py).
            PYTEST_XDIST_WORKER=f"api-{uuid.uuid4().hex[:8]}",
            JWT_PRIVATE_KEYS_DIR=str(Path(keys)),
        )
        _manage(env, "dev", "--setup-only")
        printed = _manage(env, "shell", "-c", _MAKE_TOKENS)
        tokens = json.loads(printed.split("TOKENS ", 1)[1])
        port = free_port()
        server = LiveProcess(
            [sys.executable, "-m", "uvicorn", "config.asgi:application",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log"], env,
        )  # fmt: skip
        try:
            server.wait_for("Application startup complete")
            yield LiveApi(port=port, tokens=tokens)
        finally:
            server.stop()
