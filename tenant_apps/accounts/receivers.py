"""Keeps the public member directory in step with this schema's users, and sets up the
first owner of a new organization. Connected in AccountsConfig.ready()."""

from typing import Any

from allauth.mfa.signals import authenticator_removed
from django.db import connection
from django.db.models.signals import post_delete, post_save, pre_save

from shared_apps.tenants.lifecycle.directory import directory_forget_member, directory_record_member
from shared_apps.tenants.signals import organization_schema_ready, owner_invitation_requested
from tenant_apps.accounts.middleware import mfa_pass_forget
from tenant_apps.accounts.models import User
from tenant_apps.accounts.services import owner_invite, owner_set_up

_DIRECTORY_FIELDS = {"email", "is_active"}


def _in_an_organization() -> bool:
    return connection.schema_name != "public"


def _remember_previous_email(sender: type, instance: User, update_fields: Any, **_: Any) -> None:
    if not _in_an_organization() or instance.pk is None:
        return
    if update_fields is not None and not _DIRECTORY_FIELDS & set(update_fields):
        return
    instance._directory_previous = (
        User.objects.filter(pk=instance.pk).values_list("email", flat=True).first()
    )


def _update_directory(sender: type, instance: User, update_fields: Any, **_: Any) -> None:
    if not _in_an_organization():
        return
    if update_fields is not None and not _DIRECTORY_FIELDS & set(update_fields):
        return
    previous = getattr(instance, "_directory_previous", None)
    if previous and previous != instance.email:
        directory_forget_member(email=previous)
    if instance.is_active:
        directory_record_member(email=instance.email)
    else:
        directory_forget_member(email=instance.email)


def _vouch_for_new_staff(sender: type, instance: User, created: bool, **_: Any) -> None:
    """Platform staff are made by operators (createsuperuser), never by sign-up: their
    address is taken as proven, or allauth's mandatory verification would lock them out."""
    if created and instance.is_staff and not _in_an_organization():
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(
            user=instance, email=instance.email, defaults={"verified": True, "primary": True}
        )


def _forget_deleted(sender: type, instance: User, **_: Any) -> None:
    if _in_an_organization():
        directory_forget_member(email=instance.email)


def _set_up_owner(
    sender: type, owner_email: str | None, owner_password: str | None, **_: Any
) -> None:
    if owner_email:
        owner_set_up(email=owner_email, password=owner_password)


def _forget_mfa_pass(sender: type, request: Any, **_: Any) -> None:
    if request is not None:
        mfa_pass_forget(request)


def _invite_owner(sender: type, owner_email: str, **_: Any) -> None:
    owner_invite(email=owner_email)


def connect() -> None:
    pre_save.connect(_remember_previous_email, sender=User, dispatch_uid="directory-pre")
    post_save.connect(_update_directory, sender=User, dispatch_uid="directory-post")
    post_save.connect(_vouch_for_new_staff, sender=User, dispatch_uid="staff-address")
    post_delete.connect(_forget_deleted, sender=User, dispatch_uid="directory-delete")
    organization_schema_ready.connect(_set_up_owner, dispatch_uid="accounts-owner")
    authenticator_removed.connect(_forget_mfa_pass, dispatch_uid="accounts-mfa-pass")
    owner_invitation_requested.connect(_invite_owner, dispatch_uid="accounts-owner-invite")
