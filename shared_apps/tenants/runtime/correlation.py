"""A correlation id for every request, bound to its log lines and carried into its tasks."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

from shared_apps.tenants.runtime.log_context import LogContext, bind_log_context, unbind_log_context

REQUEST_ID_HEADER = "X-Request-ID"
# An id from the proxy in front is kept when it is plainly an id; anything else is replaced
# (it is written into every log line, so it must not carry newlines or markup).
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def correlation_id_from(request: HttpRequest) -> str:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if _ACCEPTABLE_ID.fullmatch(offered) else new_correlation_id()


class RequestLogContextMiddleware(MiddlewareMixin):
    """Right after the routing middleware: binds the request's organization, correlation id
    and user to its log lines (and so to the tasks it queues); echoes the id in the response.
    """

    def process_request(self, request: HttpRequest) -> None:
        request.correlation_id = correlation_id_from(request)
        tenant = getattr(request, "tenant", None)
        request._log_context_token = bind_log_context(
            LogContext(
                organization=getattr(tenant, "schema_name", None),
                correlation_id=request.correlation_id,
                request=request,
            )
        )

    def process_view(self, request: HttpRequest, *_args: Any) -> None:
        # A request with a session cookie loads its user now rather than when the view or
        # template first asks, so the view's log lines already name the user. Without a
        # cookie there is no user to load and nothing is queried.
        if settings.SESSION_COOKIE_NAME in request.COOKIES and hasattr(request, "user"):
            request.user.is_authenticated  # noqa: B018  (evaluates the lazy user)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        token = getattr(request, "_log_context_token", None)
        if token is not None:
            request._log_context_token = None
            unbind_log_context(token)
        if getattr(request, "correlation_id", None):
            response[REQUEST_ID_HEADER] = request.correlation_id
        return response
