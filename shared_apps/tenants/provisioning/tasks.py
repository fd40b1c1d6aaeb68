"""Provisioning's background work (queued from the public schema, runs there).

The direction between services and tasks is one way: services import these tasks to
queue them; a task's body imports the service it runs when it runs (the one import below
marked so), which import-linter's layer contract allows by name (pyproject.toml).
"""

from celery import shared_task

from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning.pool import pool_fill


@shared_task(name="tenants.provision_organization", acks_late=True)
def provision_organization(organization_id: int, owner_email: str | None = None) -> str:
    """Build a registered organization. Idempotent: anything but `provisioning` is done.

    The owner invited is the organization's `pending_owner_email`; `owner_email` is only
    read from messages queued before that field existed.
    """
    # Run time only: services import this module to queue the task (see the docstring).
    from shared_apps.tenants.provisioning.services import organization_provision_attempt

    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None or organization.status != Organization.Status.PROVISIONING:
        return organization.status if organization else "missing"
    if owner_email and not organization.pending_owner_email:
        organization.pending_owner_email = owner_email
    succeeded = organization_provision_attempt(organization=organization)
    return Organization.Status.ACTIVE if succeeded else "failed"


@shared_task(name="tenants.refill_schema_pool", acks_late=True)
def refill_schema_pool() -> int:
    """Top the warm schema pool up to SCHEMA_POOL_SIZE (idempotent)."""
    return pool_fill()
