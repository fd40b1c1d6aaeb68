"""schemathesis against each organization's schema, authenticated with a personal token of
that organization's owner: no answer is a 5xx, and every answer (status, content type,
body) is one the schema documents.

In process, through Django's WSGI handler inside the test's transaction (the fixtures'
organizations, nothing left behind); the tenant middleware, throttling and envelope are the
same as over a socket (tests/tenant_apps/api/test_generated_client.py goes over one).
Bounded for CI (seconds, not minutes): each operation's explicit examples plus
API_FUZZ_EXAMPLES generated cases (default 2), derandomized, without schemathesis' coverage
phase (~30 boundary-value cases per operation, 13x the calls). Setting API_FUZZ_EXAMPLES
turns that phase on: docs/api.md#fuzzing-the-api has the longer, random run.
"""

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection, transaction
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tenant_apps.api import jwt_keys
from tenant_apps.api.models import ApiToken
from tests.support.accounts import owner_email
from tests.tenant_apps.api.hosts import host_of

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
_NO_LIMITS = {"organization": 10**6, "credential": 10**6}
LONG_RUN = "API_FUZZ_EXAMPLES" in os.environ


@pytest.fixture(params=["acme", "globex"])
def organization(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def caller(organization, token_for, in_schema, settings, tmp_path) -> dict[str, str]:
    """The owner's personal token; token ids far from the small ids generated paths use
    (DELETE /tokens/1/ must not revoke the caller mid-run); a JWT signing key; no rate
    limit in the way."""
    settings.API_RATE_LIMITS = {plan: _NO_LIMITS for plan in settings.API_RATE_LIMITS}
    settings.JWT_PRIVATE_KEYS_DIR = str(tmp_path / "jwt-keys")
    jwt_keys.key_generate()
    with in_schema(organization), connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), 7340000)",
            [ApiToken._meta.db_table],
        )
        owner = get_user_model().objects.get(email=owner_email(organization.slug))
    _token, raw = token_for(organization, owner)
    return {"Host": host_of(organization), "Authorization": f"Bearer {raw}"}


@pytest.fixture
def wsgi_app() -> Iterator[object]:
    """Django's WSGI handler on the test's connection, as Django's test client runs it: the
    handler's close_old_connections would otherwise close it mid-transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app, organization, caller):
    loaded = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", wsgi_app, headers={"Host": caller["Host"]}
    )
    loaded.config.phases.coverage.enabled = LONG_RUN  # boundary values: the longer run only
    return loaded


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request) -> None:
    """schemathesis 4.32's lazy loader reads `node._nodeid`, which pytest 9.2 no longer has
    (it renames the node per operation in its reports): give it the node id it expects."""
    request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "2")),
    derandomize=os.environ.get("API_FUZZ_RANDOM") != "1",
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_documented_and_none_is_a_5xx(case, caller):
    with transaction.atomic():  # as a request on its own: one failure never poisons the next
        case.call_and_validate(headers=caller, checks=CHECKS)
