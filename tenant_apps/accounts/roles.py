"""Roles inside an organization, and the one permission check everything uses.

Views (`role_required`), templates (`{% if request.user|has_role:"admin" %}`), tasks and
WebSocket consumers (`has_role(user, Role.ADMIN)`) all ask the same question the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    ADMIN = "admin", "Admin"
    OWNER = "owner", "Owner"


_RANK = {Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


def has_role(user: Any, minimum: str) -> bool:
    """True when `user` is an active member of the current organization with at least `minimum`."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = getattr(user, "role", None)
    return role in _RANK and _RANK[role] >= _RANK[Role(minimum)]


@dataclass(frozen=True)
class MemberControls:
    """What `actor` may do to `member` on the members page. The template shows exactly
    these controls and the services refuse anything else (`member_controls`)."""

    change_role: bool = False
    deactivate: bool = False
    reactivate: bool = False
    roles: tuple[tuple[str, str], ...] = ()

    @property
    def any(self) -> bool:
        return self.change_role or self.deactivate or self.reactivate


def assignable_roles(actor: Any) -> tuple[tuple[str, str], ...]:
    """The roles `actor` may give (invite with, or change to): owner only for owners."""
    if not has_role(actor, Role.ADMIN):
        return ()
    is_owner = actor.role == Role.OWNER
    return tuple(choice for choice in Role.choices if is_owner or choice[0] != Role.OWNER)


def member_controls(actor: Any, member: Any) -> MemberControls:
    """Admins manage members and admins; only owners manage owners or make owners.
    Nobody deactivates themselves here (they leave instead, on the ownership page); an
    owner may change their own role, which the last-owner rule still guards."""
    if not has_role(actor, Role.ADMIN):
        return MemberControls()
    is_owner = actor.role == Role.OWNER
    if member.role == Role.OWNER and not is_owner:
        return MemberControls()
    roles = assignable_roles(actor)
    is_self = actor.pk == member.pk
    return MemberControls(
        change_role=member.is_active and (is_owner or not is_self),
        deactivate=member.is_active and not is_self,
        reactivate=not member.is_active,
        roles=roles,
    )


def role_required(minimum: str) -> Callable:
    """View decorator: sign-in page for visitors, a 403 page for members without the role."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                # Imported here: auth's views import the user model, which imports Role.
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, minimum):
                body = render_to_string(
                    "accounts/forbidden.html", {"minimum": Role(minimum).label}, request
                )
                return HttpResponse(body, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
