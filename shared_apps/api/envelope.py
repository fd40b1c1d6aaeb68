"""One error mapping for every endpoint of both APIs (the envelope: renderers.py).

Success: {"data": ..., "error": null, "meta": {...}}. Failure: {"data": null, "error":
{"code", "message", "fields"}, "meta": {}}. The status for each failure is decided here
only (docs/api.md, "The envelope and errors"): 400 unreadable request, 401 no or bad
credentials, 403 not allowed, 404 not found (on a tenant host: in this organization),
409 conflicts with stored data, 422 invalid fields, 429 rate limited.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This conflicts with data stored already."
    default_code = "conflict"


def _as_api_exception(exc: Exception) -> Exception:
    """Django's and the database's exceptions as the API's (model clean() → 422)."""
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, IntegrityError):
        return Conflict()
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: a logged 500, never a detail leaked to the caller
    if isinstance(exc, exceptions.ValidationError):
        response.status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "code": "invalid",
            "message": "Some fields are invalid.",
            "fields": fields,
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"code": code, "message": str(detail), "fields": {}}
    return response
