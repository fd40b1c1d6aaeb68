"""Changes to a living organization: status, name, plan, sign-in policy, deletion."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shared_apps.tenants.audit import Actor, audit_record
from shared_apps.tenants.models import Organization, OrganizationExport
from shared_apps.tenants.provisioning.services import organization_remove
from shared_apps.tenants.validation import name_clean, plan_clean

logger = logging.getLogger(__name__)


def organization_set_status(
    *, organization: Organization, status: str, actor: Actor | None = None
) -> Organization:
    if status not in Organization.Status.values:
        raise ValidationError(f"Unknown status “{status}”.")
    with transaction.atomic():
        previous = organization.status
        organization.status = status
        organization.archived_at = (
            timezone.now() if status == Organization.Status.ARCHIVED else None
        )
        organization.save(update_fields=["status", "archived_at", "updated_at"])
        if actor is not None:
            audit_record(
                actor=actor, action=f"organization.{status}", organization=organization,
                previous=previous,
            )  # fmt: skip
    logger.info("organization %s is now %s", organization.slug, status)
    return organization


def organization_suspend(*, organization: Organization, actor: Actor | None = None) -> Organization:
    return organization_set_status(
        organization=organization, status=Organization.Status.SUSPENDED, actor=actor
    )


def organization_reactivate(
    *, organization: Organization, actor: Actor | None = None
) -> Organization:
    return organization_set_status(
        organization=organization, status=Organization.Status.ACTIVE, actor=actor
    )


def organization_archive(*, organization: Organization, actor: Actor) -> Organization:
    """Close the organization to its members, keeping its data through the grace period."""
    return organization_set_status(
        organization=organization, status=Organization.Status.ARCHIVED, actor=actor
    )


def organization_restore(*, organization: Organization, actor: Actor) -> Organization:
    """Bring an archived organization back (its schema was never touched)."""
    if organization.status != Organization.Status.ARCHIVED:
        raise ValidationError("Only an archived organization can be restored.")
    return organization_set_status(
        organization=organization, status=Organization.Status.ACTIVE, actor=actor
    )


def organization_rename(*, organization: Organization, name: object, actor: Actor) -> Organization:
    name = name_clean(name)
    with transaction.atomic():
        previous, organization.name = organization.name, name
        organization.full_clean(exclude=["schema_name", "slug"], validate_unique=False)
        organization.save(update_fields=["name", "updated_at"])
        audit_record(
            actor=actor, action="organization.rename", organization=organization,
            previous=previous, name=name,
        )  # fmt: skip
    return organization


def organization_change_plan(
    *, organization: Organization, plan: object, actor: Actor
) -> Organization:
    if not plan:
        raise ValidationError({"plan": "Choose a plan."})
    plan = plan_clean(plan)
    with transaction.atomic():
        previous, organization.plan = organization.plan, plan
        organization.save(update_fields=["plan", "updated_at"])
        audit_record(
            actor=actor, action="organization.plan", organization=organization,
            previous=previous, plan=plan,
        )  # fmt: skip
    return organization


def organization_delete(
    *, organization: Organization, actor: Actor | None = None, force: bool = False
) -> None:
    """Drop the organization's schema and rows. Irreversible, so guarded: it must be
    archived for the grace period and have a finished export, unless `force`."""
    if not force:
        _ensure_deletable(organization)
    with transaction.atomic():
        if actor is not None:
            audit_record(
                actor=actor, action="organization.delete", organization=organization,
                schema=organization.schema_name, forced=force,
            )  # fmt: skip
        organization_remove(organization)
    logger.info("organization %s deleted%s", organization.slug, " (forced)" if force else "")


def _ensure_deletable(organization: Organization) -> None:
    if organization.status != Organization.Status.ARCHIVED or organization.archived_at is None:
        raise ValidationError(
            "Archive the organization first; it can be deleted after the grace period."
        )
    grace_ends = organization.archived_at + timedelta(days=settings.ORGANIZATION_DELETE_GRACE_DAYS)
    if timezone.now() < grace_ends:
        raise ValidationError(
            f"The grace period runs until {grace_ends:%Y-%m-%d %H:%M} UTC; until then the "
            "organization can be restored. Use force to delete now."
        )
    if not organization.exports.filter(status=OrganizationExport.Status.DONE).exists():
        raise ValidationError("Export the organization's data first, or use force.")


def organization_update_policy(
    *, organization: Organization, require_mfa: bool, open_signup: bool, actor: Actor
) -> Organization:
    """Change the organization's sign-in policy (owners do this from their settings page)."""
    with transaction.atomic():
        previous = {
            "require_mfa": organization.require_mfa, "open_signup": organization.open_signup
        }  # fmt: skip
        organization.require_mfa = require_mfa
        organization.open_signup = open_signup
        organization.save(update_fields=["require_mfa", "open_signup", "updated_at"])
        audit_record(
            actor=actor, action="organization.policy", organization=organization,
            previous=previous, require_mfa=require_mfa, open_signup=open_signup,
        )  # fmt: skip
    return organization


def organization_request_deletion(
    *, organization: Organization, requested_by: str, actor: Actor
) -> Organization:
    """Record an owner's request that the platform delete the organization. Nothing is
    deleted: staff see the request in the console and follow archive, export, delete."""
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        if organization.deletion_requested_at is not None:
            raise ValidationError(
                f"Deletion was already requested on {organization.deletion_requested_at:%Y-%m-%d}"
                f" by {organization.deletion_requested_by}; the platform team will be in touch."
            )
        organization.deletion_requested_at = timezone.now()
        organization.deletion_requested_by = requested_by
        organization.save(
            update_fields=["deletion_requested_at", "deletion_requested_by", "updated_at"]
        )
        audit_record(
            actor=actor, action="organization.deletion_request", organization=organization,
            requested_by=requested_by,
        )  # fmt: skip
    return organization
