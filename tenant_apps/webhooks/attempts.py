"""One delivery attempt: check the target, sign, POST, record the outcome.

No transaction is open during the request. The outcome is written afterwards with the
endpoint's row locked, so deliveries finishing at once count consecutive failures right;
the one that reaches `WEBHOOKS_DISABLE_AFTER_FAILURES` disables the endpoint and tells the
organization's admins (a bell notification).
"""

from __future__ import annotations

import enum
import time

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from tenant_apps.accounts.roles import Role
from tenant_apps.notifications.services import notify_organization
from tenant_apps.webhooks import signing, targets
from tenant_apps.webhooks.models import WebhookDelivery, WebhookEndpoint

# Below the broker's visibility timeout (1 h): a longer countdown would be redelivered early.
BACKOFF_MAX_SECONDS = 30 * 60


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"  # already delivered, gone, or its endpoint is disabled


def backoff_seconds(attempt: int) -> int:
    """How long to wait after failed attempt number `attempt` (1, 2, ...): doubling."""
    return min(BACKOFF_MAX_SECONDS, settings.WEBHOOKS_RETRY_FIRST_SECONDS * 2 ** (attempt - 1))


def delivery_attempt(*, delivery_id: int, final: bool) -> Outcome:
    """Send one delivery once; `final` when no retry may follow a failure."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == WebhookDelivery.Status.SUCCEEDED:
        return Outcome.SKIPPED
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.FAILED, last_error="The endpoint is disabled."
        )
        return Outcome.SKIPPED
    body = signing.body_of(delivery.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Tenantry-Webhooks/1",
        signing.SIGNATURE_HEADER: signing.signature_header(
            secret=endpoint.secret, timestamp=int(time.time()), body=body
        ),
        signing.EVENT_ID_HEADER: str(delivery.event_id),
        signing.EVENT_TYPE_HEADER: delivery.event_type,
        signing.DELIVERY_ID_HEADER: str(delivery.pk),
    }
    code: int | None = None
    elapsed_ms: int | None = None
    error, retryable = "", True
    try:
        target = targets.resolve(endpoint.url)
        started = time.monotonic()
        try:
            code = targets.post(
                target, body=body, headers=headers, timeout=settings.WEBHOOKS_TIMEOUT_SECONDS
            )
        finally:
            elapsed_ms = round((time.monotonic() - started) * 1000)
    except targets.TargetRefused as refused:
        error, retryable = f"Refused: {refused}", False
    except (targets.TargetUnresolved, urllib3.exceptions.HTTPError, OSError) as failure:
        error = f"{type(failure).__name__}: {failure}"
    if code is not None and not 200 <= code < 300:
        error = f"The endpoint answered HTTP {code}."
    return _record(
        delivery,
        code=code,
        elapsed_ms=elapsed_ms,
        error=error,
        retry_allowed=retryable and not final,
    )


def _record(
    delivery: WebhookDelivery,
    *,
    code: int | None,
    elapsed_ms: int | None,
    error: str,
    retry_allowed: bool,
) -> Outcome:
    succeeded = not error
    with transaction.atomic():
        endpoint = (
            WebhookEndpoint.objects.select_for_update().filter(pk=delivery.endpoint_id).first()
        )
        if endpoint is None:
            return Outcome.SKIPPED  # deleted during the request, its deliveries with it
        if succeeded:
            endpoint.consecutive_failures = 0
        else:
            endpoint.consecutive_failures += 1
        endpoint.save(update_fields=["consecutive_failures"])
        if (
            not succeeded
            and endpoint.is_active
            and endpoint.consecutive_failures >= settings.WEBHOOKS_DISABLE_AFTER_FAILURES
        ):
            _disable(endpoint, last_error=error)
        outcome = (
            Outcome.DELIVERED
            if succeeded
            else Outcome.RETRY
            if retry_allowed and endpoint.is_active
            else Outcome.FAILED
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status={
                Outcome.DELIVERED: WebhookDelivery.Status.SUCCEEDED,
                Outcome.RETRY: WebhookDelivery.Status.RETRYING,
            }.get(outcome, WebhookDelivery.Status.FAILED),
            attempts=F("attempts") + 1,
            response_code=code,
            response_ms=elapsed_ms,
            last_error=error[:500],
            last_attempt_at=timezone.now(),
        )
    return outcome


def _disable(endpoint: WebhookEndpoint, *, last_error: str) -> None:
    failures = endpoint.consecutive_failures
    endpoint.is_active = False
    endpoint.disabled_reason = (
        f"Disabled after {failures} failed attempts in a row; last: {last_error}"
    )[:300]
    endpoint.save(update_fields=["is_active", "disabled_reason"])
    notify_organization(
        title="A webhook endpoint was disabled",
        body=f"{endpoint.url[:200]}: {endpoint.disabled_reason}",
        link=reverse("webhooks:detail", args=[endpoint.pk]),
        minimum_role=Role.ADMIN,
        source=f"webhooks:disabled:{endpoint.pk}:{timezone.now().timestamp()}",
    )
