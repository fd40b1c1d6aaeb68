"""Redis URLs are used as given: a database number other than 0, the query string (TLS
options), a URL per use; uses sharing one database are kept apart by key prefix."""

import json
import os
import subprocess
import sys
import time
import uuid

import pytest
import redis
from django.conf import settings

from tests.deploy.conftest import ROOT
from tests.live import redis_url_for_database

DATABASE = 9  # none of the suite's processes uses it
_SETTINGS_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "SECRET_KEY": "test-only-key-for-reading-production-settings-in-a-subprocess",
    "DATABASE_URL": "postgres://nobody:nothing@127.0.0.1:1/nothing",
}


def _python(*argv: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, **_SETTINGS_ENV, "PYTHONUNBUFFERED": "1", **env},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _settings(**env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'cache': s.CACHES['default']['LOCATION'], "
        "'sessions': s.CACHES['sessions']['LOCATION'], 'broker': s.CELERY_BROKER_URL, "
        "'channel_layer': s.CHANNEL_LAYERS['default']['CONFIG']['hosts'][0]['address'], "
        "'routing': s.TENANT_ROUTING_REDIS_URL}))"
    )
    return json.loads(_python("-c", code, **env))


def test_a_tls_url_with_a_database_number_is_used_as_given_by_every_use():
    url = "rediss://:secret@redis.example.test:6380/14?ssl_cert_reqs=required"
    assert set(_settings(REDIS_URL=url).values()) == {url}


def test_each_use_can_have_a_url_of_its_own():
    urls = {
        "cache": "redis://cache.example.test:6379/1",
        "sessions": "redis://sessions.example.test:6379/2",
        "broker": "rediss://broker.example.test:6380/0?ssl_cert_reqs=required",
        "channel_layer": "redis://layer.example.test:6379/4",
        "routing": "redis://routing.example.test:6379/5",
    }
    seen = _settings(
        REDIS_URL="redis://unused.example.test:6379/0",
        REDIS_CACHE_URL=urls["cache"],
        REDIS_SESSIONS_URL=urls["sessions"],
        CELERY_BROKER_URL=urls["broker"],
        CHANNEL_LAYER_REDIS_URL=urls["channel_layer"],
        TENANT_ROUTING_REDIS_URL=urls["routing"],
    )
    assert seen == urls


def test_a_unix_socket_url_keeps_its_database_and_kombu_spells_it_redis_socket():
    seen = _settings(REDIS_URL="unix:///run/valkey/valkey.sock?db=6")
    assert seen["cache"] == seen["channel_layer"] == "unix:///run/valkey/valkey.sock?db=6"
    assert seen["broker"] == "redis+socket:///run/valkey/valkey.sock?virtual_host=6"


@pytest.fixture
def redis_server() -> redis.Redis:
    server = redis.Redis.from_url(settings.REDIS_URL)
    if server.config_get("databases").get("databases", "16") in ("1", "2", "3", "4"):
        pytest.skip("this Redis has too few databases")
    return server


def test_every_use_writes_only_to_the_database_the_url_names_under_its_own_prefix(
    redis_server,
):
    token = uuid.uuid4().hex
    url = redis_url_for_database(settings.REDIS_URL, DATABASE)
    listener = redis_server.pubsub(ignore_subscribe_messages=True)
    listener.subscribe("tenantry:tenant-routing:invalidate")
    try:
        _python("-m", "tests.deploy.redis_probe", token, REDIS_URL=url)
        deadline = time.monotonic() + 5
        message = None
        while message is None and time.monotonic() < deadline:
            message = listener.get_message(timeout=0.5)
    finally:
        listener.close()

    written: dict[int, list[str]] = {}
    for number in range(16):
        client = redis.Redis.from_url(redis_url_for_database(settings.REDIS_URL, number))
        keys = [key.decode() for key in client.scan_iter(match=f"*{token}*")]
        queued = client.lrange("celery:interactive", 0, -1)
        keys += ["celery:interactive"] if any(token.encode() in m for m in queued) else []
        if keys:
            written[number] = sorted(keys)
    try:
        assert list(written) == [DATABASE], written
        keys = written[DATABASE]
        assert f"public:cache:1:probe-{token}" in keys
        assert f"public:sessions:1:probe-{token}" in keys
        assert "celery:interactive" in keys
        assert any(key.startswith("asgi") and token in key for key in keys), keys
        assert message is not None and message["data"] == b"flush"
    finally:
        target = redis.Redis.from_url(url)
        for key in keys:
            target.delete(key)
        target.delete(*[key for key in target.scan_iter(match="celery:*")])
