from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tenant_apps.accounts import selectors, services
from tenant_apps.accounts.forms import (
    AcceptInvitationForm,
    InviteForm,
    RoleForm,
)
from tenant_apps.accounts.models import Invitation, User
from tenant_apps.accounts.roles import Role, assignable_roles, has_role, role_required

_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _then_members_page(
    request: HttpRequest, action: Callable[[], object], success: Callable[[], str]
) -> HttpResponse:
    """Run a service call; flash its refusal or `success()`, and go back to the members page."""
    try:
        action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success())
    return redirect("accounts:members")


@role_required(Role.MEMBER)
def members(request: HttpRequest, invite_form: InviteForm | None = None) -> HttpResponse:
    is_admin = has_role(request.user, Role.ADMIN)
    context = {
        "page_obj": selectors.members_page(page=request.GET.get("page")),
        "invitations": selectors.invitations_open() if is_admin else [],
        "invite_form": invite_form or InviteForm(),
        "invite_roles": assignable_roles(request.user),
    }
    status = 400 if invite_form is not None and invite_form.errors else 200
    return render(request, "accounts/members.html", context, status=status)


@require_POST
@role_required(Role.ADMIN)
def member_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if not form.is_valid():
        return members(request, invite_form=form)
    email = form.cleaned_data["email"]
    return _then_members_page(
        request,
        lambda: services.member_invite(
            email=email, role=form.cleaned_data["role"], invited_by=request.user
        ),
        lambda: f"Invitation sent to {email.strip().lower()}.",
    )


@require_POST
@role_required(Role.ADMIN)
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose member, admin or owner.")
        return redirect("accounts:members")
    return _then_members_page(
        request,
        lambda: services.member_change_role(
            member=member, role=form.cleaned_data["role"], changed_by=request.user
        ),
        lambda: f"{member.email} is now {member.get_role_display()}.",
    )


@require_POST
@role_required(Role.ADMIN)
def member_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk)
    return _then_members_page(
        request,
        lambda: services.member_deactivate(member=member, deactivated_by=request.user),
        lambda: f"{member.email} can no longer sign in.",
    )


@require_POST
@role_required(Role.ADMIN)
def member_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk)
    return _then_members_page(
        request,
        lambda: services.member_reactivate(member=member, reactivated_by=request.user),
        lambda: f"{member.email} can sign in again.",
    )


@require_POST
@role_required(Role.ADMIN)
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    return _then_members_page(
        request,
        lambda: services.invitation_revoke(invitation=invitation),
        lambda: f"Invitation for {invitation.email} withdrawn.",
    )


@require_POST
@role_required(Role.ADMIN)
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    return _then_members_page(
        request,
        lambda: services.invitation_resend(invitation=invitation),
        lambda: f"Invitation sent again to {invitation.email}.",
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation email: choose a password and land inside."""
    invitation = selectors.invitation_for_token(token)
    if invitation is None or invitation.state != Invitation.State.PENDING:
        context = {"invitation": invitation}
        return render(request, "accounts/invitation_unusable.html", context, status=404)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
            )
        except ValidationError as error:
            # The service checks the password (AUTH_PASSWORD_VALIDATORS): show it there.
            field = "password1" if "password" in getattr(error, "error_dict", {}) else None
            form.add_error(field, error.messages)
        else:
            login(request, user, backend=_BACKEND)
            messages.success(request, f"Welcome to {request.tenant.name}!")
            return redirect("/")
    return render(
        request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation}
    )
