"""Writes on members and invitations, inside the current organization's schema."""

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from shared_apps.tenants.context import current_organization
from shared_apps.tenants.lifecycle.owners import organization_owner_joined
from shared_apps.tenants.routing.links import organization_url
from shared_apps.tenants.runtime.groups import current_schema, send_to_user
from tenant_apps.accounts.models import Invitation, User, token_digest
from tenant_apps.accounts.roles import Role
from tenant_apps.branding.emails import branded_email
from tenant_apps.events.services import emit


def member_create(
    *, email: str, password: str | None, role: str = Role.MEMBER, full_name: str = ""
) -> User:
    """An account whose address is already proven (an invitation or the operator vouched).

    The password must pass AUTH_PASSWORD_VALIDATORS (None makes an account that can only
    sign in after a reset)."""
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": f"{email} is already a member of this organization."})
    if password is not None:
        try:
            validate_password(password, user=User(email=email, full_name=full_name))
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
    with transaction.atomic():
        user = User.objects.create_user(email, password, role=role, full_name=full_name)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def member_invite(*, email: str, role: str = Role.MEMBER, invited_by: User | None) -> Invitation:
    """Invite `email` to this organization and send the invitation email."""
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": "Choose member, admin or owner."})
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": f"{email} is already a member of this organization."})
    if invited_by is not None and role == Role.OWNER and invited_by.role != Role.OWNER:
        raise ValidationError({"role": "Only an owner can invite another owner."})
    with transaction.atomic():
        Invitation.objects.filter(
            email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        invitation, token = _new_invitation(email=email, role=role, invited_by=invited_by)
        emit("accounts.member.invited", entity=invitation, actor=invited_by)
        _send_after_commit(invitation, token)
    return invitation


def invitation_resend(*, invitation: Invitation) -> Invitation:
    """A fresh link and expiry for a pending or expired invitation; the old link stops working."""
    if invitation.state in (Invitation.State.ACCEPTED, Invitation.State.REVOKED):
        raise ValidationError(f"This invitation was {invitation.state}; invite again instead.")
    token = secrets.token_urlsafe(32)
    invitation.token_digest = token_digest(token)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_LIFETIME_DAYS)
    invitation.save(update_fields=["token_digest", "expires_at"])
    _send_after_commit(invitation, token)
    return invitation


def invitation_revoke(*, invitation: Invitation) -> Invitation:
    if invitation.state == Invitation.State.ACCEPTED:
        raise ValidationError("This invitation was already accepted.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_accept(*, token: str, password: str, full_name: str = "") -> User:
    """Create the invitee's account from a pending invitation, exactly once."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().filter(token_digest=token_digest(token)).first()
        )
        if invitation is None:
            raise ValidationError("This invitation link is not valid for this organization.")
        if invitation.state != Invitation.State.PENDING:
            raise ValidationError(_STATE_MESSAGES[invitation.state])
        user = member_create(
            email=invitation.email, password=password, role=invitation.role, full_name=full_name
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        emit("accounts.member.joined", entity=user, actor=user)
        organization = current_organization()
        if invitation.role == Role.OWNER and organization is not None:
            organization_owner_joined(organization=organization)
    return user


_STATE_MESSAGES = {
    Invitation.State.ACCEPTED: "This invitation has already been used. Sign in instead.",
    Invitation.State.REVOKED: "This invitation was withdrawn. Ask an administrator for a new one.",
    Invitation.State.EXPIRED: "This invitation has expired. Ask an administrator to resend it.",
}


def member_change_role(*, member: User, role: str, changed_by: User) -> User:
    if role not in Role.values:
        raise ValidationError("Choose member, admin or owner.")
    if Role.OWNER in (role, member.role) and changed_by.role != Role.OWNER:
        raise ValidationError("Only an owner can make or unmake owners.")
    with transaction.atomic():
        _ensure_another_owner_remains(member, keeps_owner=role == Role.OWNER)
        member.role = role
        member.save(update_fields=["role"])
    return member


def member_deactivate(*, member: User, deactivated_by: User) -> User:
    if member.role == Role.OWNER and deactivated_by.role != Role.OWNER:
        raise ValidationError("Only an owner can deactivate an owner.")
    with transaction.atomic():
        _ensure_another_owner_remains(member, keeps_owner=False)
        member.is_active = False
        member.save(update_fields=["is_active"])
        emit("accounts.member.deactivated", entity=member, actor=deactivated_by)
        # Sockets already open would otherwise keep pushing to them until they reconnect.
        schema = current_schema()
        transaction.on_commit(
            lambda: send_to_user(
                user_id=member.pk, message={"type": "member.signed_out"}, schema=schema
            )
        )
    return member


def owner_set_up(*, email: str, password: str | None) -> None:
    """The organization's first owner: an account now, or an invitation to create one."""
    if password:
        member_create(email=email, password=password, role=Role.OWNER)
    else:
        owner_invite(email=email)


def owner_invite(*, email: str) -> Invitation:
    """The platform's invitation of a first owner; it replaces any earlier one it made."""
    with transaction.atomic():
        Invitation.objects.filter(
            role=Role.OWNER, invited_by__isnull=True, accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())  # fmt: skip
        return member_invite(email=email, role=Role.OWNER, invited_by=None)


def _ensure_another_owner_remains(member: User, *, keeps_owner: bool) -> None:
    if member.role != Role.OWNER or keeps_owner or not member.is_active:
        return
    owners = User.objects.select_for_update().filter(role=Role.OWNER, is_active=True)
    if owners.exclude(pk=member.pk).count() == 0:
        raise ValidationError(
            "An organization needs at least one owner: make someone else an owner first."
        )


def _new_invitation(*, email: str, role: str, invited_by: User | None) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        invited_by=invited_by,
        token_digest=token_digest(token),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_LIFETIME_DAYS),
    )
    return invitation, token


def _send_after_commit(invitation: Invitation, token: str) -> None:
    """Render now, while this organization's schema is selected; send once committed."""
    organization = current_organization()
    inviter = invitation.invited_by
    context = {
        "organization": organization,
        "invitation": invitation,
        "accept_url": organization_url(organization, f"/invitations/{token}/"),
        "inviter_name": inviter.get_full_name() if inviter else "",
    }
    message = branded_email(
        organization=organization,
        subject=f"You're invited to join {organization.name}",
        text=render_to_string("accounts/email/invitation.txt", context),
        to=[invitation.email],
        html_template="accounts/email/invitation.html",
        context=context,
    )
    # Robust: an unreachable mail server is logged and the invitation stays pending (it
    # can be resent); it must never undo the commit that made it (an organization's, too).
    transaction.on_commit(message.send, robust=True)
