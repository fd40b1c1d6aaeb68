"""Background work of the tenancy kernel (queued from the public schema, runs there)."""

from typing import Any

from celery import shared_task

from shared_apps.tenants import exports
from shared_apps.tenants.fanout import FAN_OUT_TASK_NAME, organizations_fan_out
from shared_apps.tenants.models import OrganizationExport


@shared_task(name="tenants.export_organization", acks_late=True)
def export_organization(export_id: int) -> str:
    export = OrganizationExport.objects.filter(pk=export_id).first()
    if export is None:
        return "missing"
    return exports.export_run(export=export).status


@shared_task(name="tenants.provision_organization", acks_late=True)
def provision_organization(organization_id: int, owner_email: str | None = None) -> str:
    """Build a registered organization. Idempotent: anything but `provisioning` is done.

    The owner invited is the organization's `pending_owner_email`; `owner_email` is only
    read from messages queued before that field existed.
    """
    from shared_apps.tenants.models import Organization
    from shared_apps.tenants.services import organization_provision_attempt

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
    from shared_apps.tenants.pool import pool_fill

    return pool_fill()


@shared_task(name="tenants.move_organization")
def move_organization(
    organization_id: int, target: str, mode: str, actor_label: str, actor_ip: str | None
) -> str:
    """A move staff asked for in the console (not acks_late: a move is not to be replayed
    blindly after a crash; its page shows it never finished)."""
    from shared_apps.tenants.audit import Actor
    from shared_apps.tenants.citus import Node
    from shared_apps.tenants.models import Organization
    from shared_apps.tenants.placement import organization_move_run

    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return "missing"
    moved = organization_move_run(
        organization=organization, target=Node.parse(target), mode=mode,
        actor=Actor(actor_label, actor_ip),
    )  # fmt: skip
    return "moved" if moved else "failed"


@shared_task(name=FAN_OUT_TASK_NAME)
def fan_out_to_organizations(
    task_name: str, spread_seconds: int = 0, task_kwargs: dict[str, Any] | None = None
) -> int:
    """Queue `task_name` once per active organization (see fanout.every_organization)."""
    return organizations_fan_out(
        task_name=task_name, spread_seconds=spread_seconds, task_kwargs=task_kwargs
    )
