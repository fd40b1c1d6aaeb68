"""Signal receivers of the tenancy kernel, connected in TenantsConfig.ready()."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _routing_changed(**_kwargs: Any) -> None:
    from shared_apps.tenants.resolver import invalidate_routing_cache

    # Now, for this process and any request racing the write; and again after commit, so
    # that a request which read the old row before the commit cannot keep it cached.
    invalidate_routing_cache()
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
