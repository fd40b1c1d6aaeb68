"""The delivery task: runs in the organization that queued it (the platform's task base)."""

from celery import shared_task
from django.conf import settings

from tenant_apps.webhooks import attempts


@shared_task(bind=True, name="webhooks.deliver", max_retries=None)
def deliver(self, delivery_id: int) -> str:
    """Attempt one delivery; on failure, again after a doubling wait, up to
    WEBHOOKS_MAX_ATTEMPTS attempts in all."""
    attempt = self.request.retries + 1
    outcome = attempts.delivery_attempt(
        delivery_id=delivery_id, final=attempt >= settings.WEBHOOKS_MAX_ATTEMPTS
    )
    if outcome is attempts.Outcome.RETRY:
        raise self.retry(countdown=attempts.backoff_seconds(attempt))
    return outcome.value
