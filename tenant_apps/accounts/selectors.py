from django.db.models import QuerySet

from tenant_apps.accounts.models import Invitation, User, token_digest


def members_list() -> QuerySet[User]:
    return User.objects.order_by("-is_active", "email")


def invitations_open() -> QuerySet[Invitation]:
    """Invitations not yet accepted or revoked (pending and expired)."""
    return Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation behind an emailed link, in this organization only."""
    return Invitation.objects.filter(token_digest=token_digest(token)).first()
