"""Signal receivers of the tenancy kernel, connected in TenantsConfig.ready()."""

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from shared_apps.tenants.models import Domain, Organization
from shared_apps.tenants.routing.resolver import clear_local_routing_cache, invalidate_routing_cache
from shared_apps.tenants.runtime.groups import send_to_organization

logger = logging.getLogger(__name__)


def _routing_changed(**_kwargs: Any) -> None:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        invalidate_routing_cache()
        return
    # Now for this process, and for everyone once the change is visible: a request that
    # read the old row before the commit can't keep it cached. One broadcast per commit.
    clear_local_routing_cache()
    if not any(callback is invalidate_routing_cache for _, callback, _ in connection.run_on_commit):
        transaction.on_commit(invalidate_routing_cache)


def _close_sockets_when_unavailable(instance: Any, **kwargs: Any) -> None:
    """A suspended, archived or deleted organization's open sockets are closed (every
    TenantConsumer handles `organization.unavailable`), once the change is committed."""
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "status" not in update_fields:
        return
    if kwargs.get("signal") is post_save and instance.status in ("active", "provisioning"):
        return
    schema = instance.schema_name

    def send() -> None:
        try:
            send_to_organization(message={"type": "organization.unavailable"}, schema=schema)
        except Exception:  # the change is committed; a Redis outage must not undo the page
            logger.exception("could not close the open sockets of %s", schema)

    transaction.on_commit(send)


def connect() -> None:
    for model in (Organization, Domain):
        post_save.connect(
            _routing_changed, sender=model, dispatch_uid=f"routing-save-{model.__name__}"
        )
        post_delete.connect(
            _routing_changed, sender=model, dispatch_uid=f"routing-del-{model.__name__}"
        )
    post_save.connect(
        _close_sockets_when_unavailable, sender=Organization, dispatch_uid="sockets-status"
    )
    post_delete.connect(
        _close_sockets_when_unavailable, sender=Organization, dispatch_uid="sockets-delete"
    )
