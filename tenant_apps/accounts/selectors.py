import uuid
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from tenant_apps.accounts.models import Invitation, User, token_digest
from tenant_apps.accounts.roles import Role, has_role


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


MEMBERS_PER_PAGE = 25


def members_page(*, page: object) -> Page:
    """One page of the members list (active first); out-of-range numbers give the last."""
    return Paginator(members_list(), MEMBERS_PER_PAGE).get_page(page)


def ownership_candidates(*, owner: User) -> QuerySet[User]:
    """Who `owner` may hand the organization to: active admins and members."""
    return User.objects.filter(is_active=True).exclude(role=Role.OWNER).exclude(pk=owner.pk)


def avatar_for_member(*, viewer: Any, avatar_id: str) -> User | None:
    """The member whose picture this is, if `viewer` is an active member here; None for a
    visitor, a deactivated member, a malformed id or an id of another organization."""
    if not has_role(viewer, Role.MEMBER):
        return None
    try:
        key = uuid.UUID(avatar_id)
    except ValueError:
        return None
    return User.objects.filter(avatar_id=key).exclude(avatar="").first()
