"""An active organization's first owner: (re)invited by staff, joined from the invitation."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.tenants.audit import Actor, audit_record
from shared_apps.tenants.models import Organization
from shared_apps.tenants.signals import owner_invitation_requested
from shared_apps.tenants.validation import owner_email_clean


def organization_owner_invite(
    *, organization: Organization, actor: Actor, email: object = None
) -> Organization:
    """(Re)send the first owner's invitation: a fresh link to the pending owner, or to
    `email` instead (which replaces them). Earlier owner invitations stop working.

    The invitation itself is made inside the schema by the receivers of
    `owner_invitation_requested` (the accounts app); the email leaves after the commit.
    """
    if organization.status != Organization.Status.ACTIVE:
        raise ValidationError("Only an active organization's owner can be invited.")
    if email is None or email == "":
        if not organization.pending_owner_email:
            raise ValidationError(
                {"owner_email": "This organization has no pending owner; give an address."}
            )
        email = organization.pending_owner_email
    email = owner_email_clean(email)
    with transaction.atomic():
        previous = organization.pending_owner_email
        with tenant_context(organization):
            owner_invitation_requested.send(
                sender=Organization, organization=organization, owner_email=email
            )
        organization.pending_owner_email = email
        organization.owner_invited_at = timezone.now()
        organization.save(update_fields=["pending_owner_email", "owner_invited_at", "updated_at"])
        audit_record(
            actor=actor, action="organization.owner_invite", organization=organization,
            owner_email=email, previous=previous,
        )  # fmt: skip
    return organization


def organization_owner_joined(*, organization: Organization) -> None:
    """An owner accepted an invitation: nobody is pending any more (accounts calls this)."""
    Organization.objects.filter(pk=organization.pk).update(
        pending_owner_email="", owner_invited_at=None
    )
