import io
import json
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shared_apps.tenants.runtime.log_context import (
    JsonFormatter,
    LogContext,
    LogContextFilter,
    ReadableFormatter,
    bind_log_context,
    unbind_log_context,
)
from tests.support.accounts import owner_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """Lines written to a handler configured as settings.LOGGING's console (text format)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(LogContextFilter())
    handler.setFormatter(ReadableFormatter())
    logger = logging.getLogger("tests.log_context")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, lambda: stream.getvalue().splitlines()
    logger.removeHandler(handler)


def test_a_request_gets_a_correlation_id_echoed_in_the_response(acme_client):
    response = acme_client.get("/")
    assert len(response["X-Request-ID"]) == 32
    assert acme_client.get("/")["X-Request-ID"] != response["X-Request-ID"]


def test_a_plausible_incoming_request_id_is_kept_and_a_hostile_one_replaced(acme_client):
    assert acme_client.get("/", HTTP_X_REQUEST_ID="edge-1234abcd")["X-Request-ID"] == (
        "edge-1234abcd"
    )
    replaced = acme_client.get("/", HTTP_X_REQUEST_ID="x\nforged=1")["X-Request-ID"]
    assert "\n" not in replaced and replaced != "x\nforged=1"


def test_log_lines_in_a_request_name_organization_user_and_correlation_id(
    client_for, acme, log_lines, monkeypatch
):
    from django.contrib.auth import get_user_model
    from django_tenants.utils import schema_context

    from tenant_apps.tracker import selectors

    logger, lines = log_lines
    original = selectors.projects_list

    def logging_selector():
        logger.info("listing projects")
        return original()

    monkeypatch.setattr(selectors, "projects_list", logging_selector)
    client = client_for(acme)
    with schema_context(acme.schema_name):  # the session lives in acme's schema
        member = get_user_model().objects.get(email=owner_email("acme"))
        client.force_login(member)
    response = client.get("/", HTTP_X_REQUEST_ID="req-777777777")

    assert response.status_code == 200
    assert lines() == [
        line
        for line in lines()
        if line.endswith(f"[org=org_acme user={member.pk} cid=req-777777777]")
    ]
    assert len(lines()) == 1


def test_the_filter_never_queries_to_name_the_user(acme_client, log_lines):
    logger, lines = log_lines

    class Request:
        def __init__(self):
            from django.utils.functional import SimpleLazyObject

            self.user = SimpleLazyObject(lambda: pytest.fail("the user was loaded"))

    token = bind_log_context(LogContext(organization="org_acme", request=Request()))
    try:
        with CaptureQueriesContext(connection) as queries:
            logger.info("no user yet")
    finally:
        unbind_log_context(token)
    assert len(queries) == 0
    assert lines() == [line for line in lines() if line.endswith("[org=org_acme]")]


def test_json_lines_carry_the_context_and_the_exception():
    record = logging.LogRecord("app", logging.ERROR, __file__, 1, "boom %s", ("now",), None)
    token = bind_log_context(LogContext(organization="org_globex", correlation_id="c-12345678",
                                        task_id="t-1", task_name="app.job"))  # fmt: skip
    try:
        LogContextFilter().filter(record)
        try:
            raise ValueError("bad")
        except ValueError:
            import sys

            record.exc_info = sys.exc_info()
        entry = json.loads(JsonFormatter().format(record))
    finally:
        unbind_log_context(token)
    assert entry["message"] == "boom now"
    assert (entry["organization"], entry["correlation_id"], entry["task_id"]) == (
        "org_globex", "c-12345678", "t-1",
    )  # fmt: skip
    assert entry["task_name"] == "app.job" and "user_id" not in entry
    assert "ValueError: bad" in entry["exception"]
