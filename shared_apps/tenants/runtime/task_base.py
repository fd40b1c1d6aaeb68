"""The Celery task base: a task runs for the organization that queued it, or not at all.

tenant-schemas-celery's app stamps every message with the schema of the connection that
sent it (`_schema_name`); a `.delay()` from Acme's request runs in Acme's schema, one from
the public host or from beat runs in public. Tenantry adds three things:

* **A gate.** Before the task body runs, its organization is looked up (cached) and the task
  is skipped, with a log line saying why, when the organization has been deleted, is not
  active, or its schema is missing (checked in the catalog when the cache is filled: in a
  missing schema every query would silently read public's tables). The library switches
  schema in a `task_prerun` receiver instead, and Celery swallows exceptions raised by
  signal receivers: a deleted organization's task then runs on whatever schema the
  worker's connection was on (public, where the user table also exists). So that receiver
  is replaced by `before_start`, which can refuse.
* **A cache that follows changes.** Active organizations are kept per worker process for
  `CELERY_TASK_TENANT_CACHE_SECONDS` (no query per task: tenant-schemas-celery #28), and
  forgotten at once when any organization or domain changes (the routing cache's
  invalidation broadcast). Inactive or unknown schemas are never cached, so a
  reactivated or newly provisioned organization is seen by the next task.
* **Log context.** The organization, the user and the correlation id of the request that
  queued the task travel in its headers and are bound to every log line it writes, and on
  to the tasks it queues in turn.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import signals
from celery.exceptions import Ignore
from django.conf import settings
from django.db import DatabaseError, connections
from django_tenants.utils import get_public_schema_name, schema_exists
from tenant_schemas_celery import app as _tenant_schemas_celery_app  # noqa: F401  (connects receivers)
from tenant_schemas_celery.task import TenantTask

from shared_apps.tenants.local_cache import LocalCache
from shared_apps.tenants.routing.resolver import on_routing_invalidated, start_invalidation_listener
from shared_apps.tenants.runtime.log_context import (
    LogContext,
    bind_log_context,
    current_log_context,
    unbind_log_context,
)

logger = logging.getLogger(__name__)

SCHEMA_HEADER = "_schema_name"  # tenant-schemas-celery's
TASK_CORRELATION_HEADER = "_correlation_id"
USER_HEADER = "_user_id"

_MAX_CACHED_ORGANIZATIONS = 10_000


def request_header(request: Any, name: str) -> Any:
    """A custom header of a task request (Redis merges headers into the request itself)."""
    headers = getattr(request, "headers", None) or {}
    if name in headers:
        return headers[name]
    return request.get(name) if hasattr(request, "get") else None


# schema name → an active Organization, per process. The instances are shared by the tasks
# of this process, as tenant-schemas-celery's cache shares them: task code reads
# `connection.tenant`, it doesn't modify it.
_active_organizations: LocalCache[str, Any] = LocalCache(
    maxsize=_MAX_CACHED_ORGANIZATIONS, ttl=lambda: settings.CELERY_TASK_TENANT_CACHE_SECONDS
)
on_routing_invalidated(_active_organizations.clear)


class SchemaMissing(LookupError):
    """An active organization's schema does not exist: nothing may run for it."""


def organization_for_schema(schema_name: str) -> Any:
    """The organization owning `schema_name`, or None; active ones come from the cache.

    Raises SchemaMissing for an active organization whose schema is gone (never cached).
    """
    # App loading: Celery imports the task base (task_cls) before the app registry is ready.
    from shared_apps.tenants.models import Organization

    organization = _active_organizations.get(schema_name)
    if organization is not None:
        return organization
    # Started here, in the process that runs tasks (after the pool forked), before anything
    # is cached, so that this process hears of suspensions and deletions; its first
    # subscription clears the cache again.
    start_invalidation_listener(timeout=0)
    organization = Organization.objects.filter(schema_name=schema_name).first()
    if organization is not None and organization.status == Organization.Status.ACTIVE:
        if not schema_exists(schema_name):
            raise SchemaMissing(schema_name)
        _active_organizations.put(schema_name, organization)
    return organization


def forget_cached_organizations() -> None:
    """Drop this process's cached organizations (tests, and after bulk status changes)."""
    _active_organizations.clear()


class OrganizationTask(TenantTask):
    """Base of every task (see config/celery.py): runs in the queuing organization's schema.

    A task for an organization that was deleted, or is not in `run_for_statuses`, is
    skipped: it is logged, acknowledged and never retried. Override `run_for_statuses` on a
    task that must also run while its organization is, say, still being provisioned.
    """

    abstract = True
    run_for_statuses: frozenset[str] = frozenset({"active"})

    def before_start(self, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        public = get_public_schema_name()
        schema = request_header(self.request, SCHEMA_HEADER) or public
        caller = current_log_context()
        self.request._tenantry_log_token = bind_log_context(
            LogContext(
                organization=schema,
                correlation_id=request_header(self.request, TASK_CORRELATION_HEADER)
                or caller.correlation_id
                or task_id,
                user_id=request_header(self.request, USER_HEADER) or caller.resolved_user_id(),
                task_id=task_id,
                task_name=self.name,
            )
        )
        if (self.request.delivery_info or {}).get("redelivered"):
            # Its worker died mid-task or it outlived the visibility timeout. Redis keeps no
            # delivery count, so a task that kills its worker every time comes back forever:
            # this line is how an operator spots it (docs/background-work.md).
            logger.warning("Task %s[%s] is delivered again.", self.name, task_id)
        self.request._tenantry_previous_tenants = {
            alias: connections[alias].tenant for alias in self.get_tenant_databases()
        }
        if schema == public:
            for alias in self.get_tenant_databases():
                connections[alias].set_schema_to_public()
            return
        try:
            organization = organization_for_schema(schema)
        except DatabaseError as error:
            # The database is unreachable (a cache miss needs it): try again later, as the
            # task's own autoretry would, rather than fail for good.
            # The connection isn't on the organization yet, so name its schema (and the
            # context) explicitly, or the retry would be stamped with public's.
            headers = {
                SCHEMA_HEADER: schema,
                TASK_CORRELATION_HEADER: current_log_context().correlation_id,
            }
            countdown = min(60, 5 * (self.request.retries + 1))
            raise self.retry(exc=error, countdown=countdown, headers=headers) from error
        except SchemaMissing:
            logger.error(
                "Skipped task %s[%s]: organization %s is active but its schema is missing; "
                "the task is dropped, not retried.",
                self.name, task_id, schema,
            )  # fmt: skip
            raise Ignore() from None
        if organization is None or organization.status not in self.run_for_statuses:
            state = "deleted" if organization is None else organization.status
            logger.warning(
                "Skipped task %s[%s]: organization %s is %s; the task is dropped, not retried.",
                self.name, task_id, schema, state,
            )  # fmt: skip
            raise Ignore()
        for alias in self.get_tenant_databases():
            connections[alias].set_tenant(organization)


def _add_context_headers(headers: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    """Carry the sender's correlation id and user into the message (before_task_publish)."""
    if headers is None:
        return
    context = current_log_context()
    if context.correlation_id and TASK_CORRELATION_HEADER not in headers:
        headers[TASK_CORRELATION_HEADER] = context.correlation_id
    user_id = context.resolved_user_id()
    if user_id and USER_HEADER not in headers:
        headers[USER_HEADER] = user_id


def _restore_after_task(task: Any = None, **_kwargs: Any) -> None:
    """Put the connection and the log context back as they were before the task (postrun)."""
    if not isinstance(task, OrganizationTask):
        return
    previous = getattr(task.request, "_tenantry_previous_tenants", None) or {}
    for alias in task.get_tenant_databases():
        tenant = previous.get(alias)
        if tenant is None or tenant.schema_name == get_public_schema_name():
            connections[alias].set_schema_to_public()
        else:
            connections[alias].set_tenant(tenant)
    token = getattr(task.request, "_tenantry_log_token", None)
    if token is not None:
        task.request._tenantry_log_token = None
        unbind_log_context(token)


def connect_signals() -> None:
    """Called from TenantsConfig.ready()."""
    # Replaced by OrganizationTask.before_start and _restore_after_task (see module doc).
    signals.task_prerun.disconnect(dispatch_uid="tenant_schemas_switch_schema")
    signals.task_postrun.disconnect(dispatch_uid="tenant_schemas_restore_schema")
    signals.task_postrun.connect(_restore_after_task, weak=False, dispatch_uid="tenantry-restore")
    signals.before_task_publish.connect(
        _add_context_headers, weak=False, dispatch_uid="tenantry-context-headers"
    )
