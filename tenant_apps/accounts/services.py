"""Writes on members and invitations, inside the current organization's schema."""

import secrets
import unicodedata
import uuid
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import schema_context

from shared_apps.tenants.audit import Actor
from shared_apps.tenants.context import current_organization
from shared_apps.tenants.lifecycle.owners import organization_owner_joined
from shared_apps.tenants.lifecycle.services import organization_request_deletion
from shared_apps.tenants.routing.links import organization_url
from shared_apps.tenants.runtime.groups import current_schema, send_to_user
from tenant_apps.accounts.avatars import avatar_inspect
from tenant_apps.accounts.models import Invitation, User, token_digest
from tenant_apps.accounts.roles import Role, has_role, member_controls
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
    with transaction.atomic():
        member = _locked(member)
        if Role.OWNER in (role, member.role) and changed_by.role != Role.OWNER:
            raise ValidationError("Only an owner can make or unmake owners.")
        if not member_controls(changed_by, member).change_role:
            raise ValidationError(f"You can't change the role of {member.email}.")
        _ensure_another_owner_remains(member, keeps_owner=role == Role.OWNER)
        member.role = role
        member.save(update_fields=["role"])
    return member


def member_deactivate(*, member: User, deactivated_by: User) -> User:
    with transaction.atomic():
        member = _locked(member)
        if member.role == Role.OWNER and deactivated_by.role != Role.OWNER:
            raise ValidationError("Only an owner can deactivate an owner.")
        if not member_controls(deactivated_by, member).deactivate:
            raise ValidationError(f"You can't deactivate {member.email}.")
        _ensure_another_owner_remains(member, keeps_owner=False)
        _sign_out(member, event="accounts.member.deactivated", actor=deactivated_by)
    return member


def member_reactivate(*, member: User, reactivated_by: User) -> User:
    """Let a deactivated member sign in again, with the role they had."""
    with transaction.atomic():
        member = _locked(member)
        if not member_controls(reactivated_by, member).reactivate:
            raise ValidationError(f"You can't reactivate {member.email}.")
        member.is_active = True
        member.save(update_fields=["is_active"])
        emit("accounts.member.reactivated", entity=member, actor=reactivated_by)
    return member


def member_leave(*, member: User) -> User:
    """Leave the organization: the account is deactivated (an admin can reactivate it)."""
    with transaction.atomic():
        member = _locked(member)
        if not member.is_active:
            raise ValidationError("This account is already deactivated.")
        if member.role == Role.OWNER and not _other_owners(member).exists():
            raise ValidationError(
                "You are the only owner: transfer ownership to another member before you leave."
            )
        _sign_out(member, event="accounts.member.left", actor=member)
    return member


def ownership_transfer(*, new_owner: User, transferred_by: User) -> User:
    """Make `new_owner` (an active admin or member) an owner; the former owner becomes admin."""
    with transaction.atomic():
        former, new_owner = _locked(transferred_by), _locked(new_owner)
        if not has_role(former, Role.OWNER):
            raise ValidationError("Only an owner can transfer ownership.")
        if new_owner.pk == former.pk:
            raise ValidationError("Choose another member to become the owner.")
        if not new_owner.is_active or new_owner.role == Role.OWNER:
            raise ValidationError(
                f"{new_owner.email} can't take over: choose an active admin or member."
            )
        new_owner.role, former.role = Role.OWNER, Role.ADMIN
        new_owner.save(update_fields=["role"])
        former.save(update_fields=["role"])
        emit("accounts.ownership.transferred", entity=new_owner, actor=former)
    return new_owner


def organization_deletion_request(*, requested_by: User, actor: Actor) -> None:
    """An owner asks the platform to delete this organization (staff see it in the
    console); recorded in the platform's audit log and in the organization's."""
    organization = current_organization()
    with transaction.atomic():
        requester = _locked(requested_by)
        if not has_role(requester, Role.OWNER) or organization is None:
            raise ValidationError("Only an owner can ask for the organization to be deleted.")
        organization_request_deletion(
            organization=organization, requested_by=requester.email, actor=actor
        )
        emit("accounts.organization.deletion_requested", entity=requester, actor=requester)


def full_name_clean(value: object) -> str:
    """A display name: trimmed, at most the column's length, no control characters."""
    name = str(value or "").strip()
    limit = User._meta.get_field("full_name").max_length or 200
    if len(name) > limit:
        raise ValidationError({"full_name": f"Use at most {limit} characters."})
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in name):
        raise ValidationError({"full_name": "Use letters, digits and punctuation only."})
    return name


def profile_update(*, user: User, full_name: object) -> User:
    user.full_name = full_name_clean(full_name)
    user.save(update_fields=["full_name"])
    return user


def avatar_set(*, user: User, upload: UploadedFile) -> User:
    """Store a new picture, then point the user at it; the old bytes go once that commits.
    If the row can't be saved, the new bytes are removed again."""
    inspected = avatar_inspect(upload)
    stored_name = default_storage.save(inspected.name, upload)
    try:
        with transaction.atomic():
            _replace_avatar(user, name=stored_name, avatar_id=inspected.avatar_id)
    except BaseException:
        default_storage.delete(stored_name)
        raise
    return user


def avatar_clear(*, user: User) -> User:
    with transaction.atomic():
        return _replace_avatar(user, name="", avatar_id=None)


def _replace_avatar(user: User, *, name: str, avatar_id: uuid.UUID | None) -> User:
    previous = _locked(user).avatar.name
    user.avatar, user.avatar_id = name, avatar_id
    user.save(update_fields=["avatar", "avatar_id"])
    if previous:
        schema = connection.schema_name

        def delete_previous() -> None:
            with schema_context(schema):  # the commit may come after the request left it
                default_storage.delete(previous)

        transaction.on_commit(delete_previous, robust=True)
    return user


def _locked(user: User) -> User:
    """Lock the row until the transaction ends and reload `user` from it (in place: the
    caller's object, often request.user, then reads what was checked and written)."""
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    user.refresh_from_db()
    return user


def _other_owners(member: User) -> QuerySet[User]:
    return User.objects.filter(role=Role.OWNER, is_active=True).exclude(pk=member.pk)


def _sign_out(member: User, *, event: str, actor: User) -> None:
    """Deactivate `member` (inside the caller's transaction) and close their sockets."""
    member.is_active = False
    member.save(update_fields=["is_active"])
    emit(event, entity=member, actor=actor)
    # Sockets already open would otherwise keep pushing to them until they reconnect.
    schema, user_id = current_schema(), member.pk
    transaction.on_commit(
        lambda: send_to_user(user_id=user_id, message={"type": "member.signed_out"}, schema=schema)
    )


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
    if not list(_other_owners(member).select_for_update().values_list("pk", flat=True)):
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
