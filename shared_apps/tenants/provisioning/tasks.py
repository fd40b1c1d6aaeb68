"""Provisioning's background work (queued from the public schema, runs there).

The direction between services and tasks is one way: the services (and the pool and
the console's move requests) import these tasks to queue them; a task's body imports what
it runs when it runs (the imports marked "Run time only"). import-linter's layer contract
puts this module below them and names exactly those run-time edges (pyproject.toml).
"""

from celery import shared_task

from shared_apps.tenants.audit import Actor
from shared_apps.tenants.db.citus import Node
from shared_apps.tenants.models import Organization


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
    # Run time only: the pool queues this task after a claim (see the docstring).
    from shared_apps.tenants.provisioning.pool import pool_fill

    return pool_fill()


@shared_task(name="tenants.move_organization")
def move_organization(
    organization_id: int, target: str, mode: str, actor_label: str, actor_ip: str | None
) -> str:
    """A move staff asked for in the console (not acks_late: a move is not to be replayed
    blindly after a crash; its page shows it never finished)."""
    # Run time only: move_requests imports this module to queue the task (see the docstring).
    from shared_apps.tenants.provisioning.move_requests import organization_move_run

    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return "missing"
    moved = organization_move_run(
        organization=organization, target=Node.parse(target), mode=mode,
        actor=Actor(actor_label, actor_ip),
    )  # fmt: skip
    return "moved" if moved else "failed"
