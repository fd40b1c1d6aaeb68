import json

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

from config.celery import app as celery_app
from shared_apps.platform.api_tokens import api_token_create
from shared_apps.tenants.audit import Actor
from tests.support.accounts import PASSWORD


@pytest.fixture
def staff(db):
    with schema_context("public"):
        return get_user_model().objects.create_superuser("ops@platform.test", PASSWORD)


@pytest.fixture
def staff_client(client_for, staff):
    client = client_for(None)
    with schema_context("public"):
        client.force_login(staff)
    return client


@pytest.fixture
def eager_tasks():
    """Run queued tasks in-line (the worker path itself is tested with a real worker in
    the background-work tests); on_commit hooks still have to be captured to fire."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def token(db):
    return api_token_create(
        name="billing", scope="read-write", actor=Actor(label="ops@platform.test")
    )


@pytest.fixture
def api(public_client, token):
    """api(method, path, body=None) → the platform API's response, with a valid token.

    `body` is sent as JSON, or as it is when it is already bytes (hostile bodies)."""
    _record, raw = token

    def call(method: str, path: str, body: dict | bytes | None = None, auth: str | None = raw):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {auth}"} if auth else {}
        url = f"/platform/api/v1/{path}"
        if method == "get":
            return public_client.get(url, body, **headers)
        data = body if isinstance(body, bytes) else json.dumps(body or {})
        return getattr(public_client, method)(
            url, data=data, content_type="application/json", **headers
        )

    return call
