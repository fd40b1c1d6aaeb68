"""Writes on the failed-task store: record a failure, replay it, discard it."""

import json
import logging
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from shared_apps.failed_tasks.models import FailedTask
from shared_apps.tenants.audit import Actor, audit_record
from shared_apps.tenants.models import Organization
from shared_apps.tenants.runtime.task_base import (
    SCHEMA_HEADER,
    TASK_CORRELATION_HEADER,
    USER_HEADER,
)

logger = logging.getLogger(__name__)

REPLAY_OF_HEADER = "_replay_of"


def _json_safe(value: Any) -> Any:
    """JSON tasks' arguments as they are; anything else (pickled tasks) as its repr."""
    try:
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    except (TypeError, ValueError):
        return repr(value)


def failed_task_record(
    *,
    task_id: str,
    task_name: str,
    schema_name: str,
    queue: str,
    args: Any,
    kwargs: Any,
    correlation_id: str,
    user_id: str,
    retries: int,
    exception: BaseException,
    traceback: str,
) -> FailedTask:
    """Store a failure in the public schema, whichever schema the caller is on."""
    with schema_context(get_public_schema_name()):
        return FailedTask.objects.create(
            task_id=task_id,
            task_name=task_name,
            schema_name=schema_name,
            queue=queue or "",
            args=_json_safe(list(args or ())),
            kwargs=_json_safe(dict(kwargs or {})),
            correlation_id=correlation_id or "",
            user_id=user_id or "",
            retries=retries or 0,
            exception_type=f"{type(exception).__module__}.{type(exception).__qualname__}",
            exception_message=str(exception)[:10_000],
            traceback=traceback or "",
        )


def failed_task_already_recorded(*, task_id: str) -> bool:
    with schema_context(get_public_schema_name()):
        return FailedTask.objects.filter(task_id=task_id).exists()


def _audit(*, actor: Actor, action: str, failed_task: FailedTask, **detail: Any) -> None:
    audit_record(
        actor=actor, action=f"failed_task.{action}", organization=None,
        task=failed_task.task_name, task_id=failed_task.task_id,
        schema=failed_task.schema_name, **detail,
    )  # fmt: skip


def failed_task_replay(*, failed_task: FailedTask, actor: Actor, force: bool = False) -> str:
    """Queue the task again, in its organization's schema, with its arguments; return the new
    task id. Refused when already replayed (unless `force`) or when the organization is gone.
    Audited (console and CLI alike).
    """
    from celery import current_app

    with transaction.atomic():
        failed_task = FailedTask.objects.select_for_update().get(pk=failed_task.pk)
        if failed_task.replayed_at and not force:
            raise ValidationError(
                f"Failed task {failed_task.pk} was already replayed as {failed_task.replayed_as} "
                f"on {failed_task.replayed_at:%Y-%m-%d %H:%M}; use --force to queue it again."
            )
        schema = failed_task.schema_name
        if (
            schema != get_public_schema_name()
            and not Organization.objects.filter(schema_name=schema).exists()
        ):
            raise ValidationError(
                f"The organization of failed task {failed_task.pk} (schema {schema}) no longer "
                "exists; discard the record instead."
            )
        if not isinstance(failed_task.args, list) or not isinstance(failed_task.kwargs, dict):
            raise ValidationError(
                f"The arguments of failed task {failed_task.pk} could not be stored as JSON, "
                "so it cannot be replayed from here."
            )
        new_id = str(uuid.uuid4())
        headers = {
            SCHEMA_HEADER: schema,
            TASK_CORRELATION_HEADER: failed_task.correlation_id or failed_task.task_id,
            REPLAY_OF_HEADER: failed_task.task_id,
        }
        if failed_task.user_id:
            headers[USER_HEADER] = failed_task.user_id
        options: dict[str, Any] = {"task_id": new_id, "headers": headers}
        if failed_task.queue:
            options["queue"] = failed_task.queue
        current_app.send_task(
            failed_task.task_name,
            args=failed_task.args,
            kwargs=failed_task.kwargs,
            **options,
        )
        failed_task.replayed_at = timezone.now()
        failed_task.replayed_as = new_id
        failed_task.save(update_fields=["replayed_at", "replayed_as"])
        _audit(actor=actor, action="replay", failed_task=failed_task, replayed_as=new_id)
    logger.info(
        "Replayed failed task %s (%s) as %s.", failed_task.pk, failed_task.task_name, new_id
    )
    return new_id


def failed_task_discard(*, failed_task: FailedTask, actor: Actor) -> None:
    with transaction.atomic():
        _audit(actor=actor, action="discard", failed_task=failed_task)
        failed_task.delete()
    logger.info("Discarded failed task %s (%s).", failed_task.pk, failed_task.task_name)
