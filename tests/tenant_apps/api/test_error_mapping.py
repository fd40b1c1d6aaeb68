"""The one exception → status mapping (shared_apps/api/envelope.py), for the exceptions
that no endpoint test provokes on purpose."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework.exceptions import Throttled

from shared_apps.api.envelope import exception_handler


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (IntegrityError("duplicate key value violates unique constraint"), 409, "conflict"),
        (ValidationError({"name": "Taken."}), 422, "invalid"),
        (ValidationError("Not allowed in this state."), 422, "invalid"),
        (Http404("No Project matches"), 404, "not_found"),
        (PermissionDenied("no"), 403, "permission_denied"),
        (Throttled(wait=7), 429, "throttled"),
    ],
)
def test_mapping(exc, status, code):
    response = exception_handler(exc, {"view": None, "request": None})
    assert response.status_code == status
    assert response.data["code"] == code
    assert set(response.data) == {"code", "message", "fields"}
    assert "duplicate key" not in response.data["message"]  # database text never leaks


def test_model_validation_keeps_its_fields():
    response = exception_handler(ValidationError({"name": "Taken."}), {})
    assert response.data["fields"] == {"name": ["Taken."]}


def test_throttled_carries_retry_after():
    assert exception_handler(Throttled(wait=7), {})["Retry-After"] == "7"


def test_unexpected_exceptions_are_left_to_the_500_handler():
    assert exception_handler(RuntimeError("bug"), {}) is None
