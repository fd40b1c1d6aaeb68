"""The member directory: which organizations an email address belongs to.

"Find my organization" must answer without scanning every schema, and must not keep a
second copy of members' addresses in the public schema. So the directory holds only a
keyed hash of each address (HMAC with SECRET_KEY) per organization, written from the
tenant side whenever a member is added, changes address, is deactivated or deleted.
After rotating SECRET_KEY, rebuild it: `directory_rebuild()` for each organization.
"""

from django.contrib.auth import get_user_model
from django.utils.crypto import salted_hmac
from django_tenants.utils import tenant_context

from shared_apps.tenants.context import current_organization
from shared_apps.tenants.models import MemberDirectoryEntry, Organization


def email_digest(email: str) -> str:
    return salted_hmac("tenantry.member-directory", email.strip().lower()).hexdigest()


def directory_record_member(*, email: str) -> None:
    """Record that `email` has an active account in the current organization."""
    organization = current_organization()
    if organization is not None:
        MemberDirectoryEntry.objects.get_or_create(
            email_digest=email_digest(email), organization_id=organization.pk
        )


def directory_forget_member(*, email: str) -> None:
    """Remove `email` from the current organization's entries."""
    organization = current_organization()
    if organization is not None:
        MemberDirectoryEntry.objects.filter(
            email_digest=email_digest(email), organization_id=organization.pk
        ).delete()


def organizations_for_email(email: str) -> list[Organization]:
    """Active organizations where `email` has an account, by name."""
    return list(
        Organization.objects.filter(
            directory_entries__email_digest=email_digest(email),
            status=Organization.Status.ACTIVE,
        ).order_by("name")
    )


def directory_rebuild(*, organization: Organization) -> int:
    """Re-record every active member of `organization` (after a restore, or a SECRET_KEY
    rotation); returns how many entries it holds."""
    with tenant_context(organization):
        emails = list(
            get_user_model().objects.filter(is_active=True).values_list("email", flat=True)
        )
    MemberDirectoryEntry.objects.filter(organization=organization).delete()
    MemberDirectoryEntry.objects.bulk_create(
        MemberDirectoryEntry(email_digest=email_digest(email), organization=organization)
        for email in emails
    )
    return len(emails)
