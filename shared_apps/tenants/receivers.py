"""Signal receivers of the tenancy kernel, connected in TenantsConfig.ready()."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _routing_changed(**_kwargs: Any) -> None:
    from shared_apps.tenants.resolver import clear_local_routing_cache, invalidate_routing_cache

    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        invalidate_routing_cache()
        return
    # Now for this process, and for everyone once the change is visible: a request that
    # read the old row before the commit can't keep it cached. One broadcast per commit.
    clear_local_routing_cache()
    if not any(callback is invalidate_routing_cache for _, callback, _ in connection.run_on_commit):
        transaction.on_commit(invalidate_routing_cache)


def connect() -> None:
    from shared_apps.tenants.models import Domain, Organization

    for model in (Organization, Domain):
        post_save.connect(
            _routing_changed, sender=model, dispatch_uid=f"routing-save-{model.__name__}"
        )
        post_delete.connect(
            _routing_changed, sender=model, dispatch_uid=f"routing-del-{model.__name__}"
        )
