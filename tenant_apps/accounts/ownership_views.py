"""The ownership page (owners and admins): transfer ownership, leave, ask the platform to
delete the organization. Transfer and deletion ask for the password again first (allauth's
reauthentication; the POST is replayed once it is given)."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from shared_apps.tenants.audit import Actor
from tenant_apps.accounts import selectors, services
from tenant_apps.accounts.models import User
from tenant_apps.accounts.roles import Role, has_role, role_required


@require_GET
@role_required(Role.ADMIN)
def ownership(request: HttpRequest) -> HttpResponse:
    is_owner = has_role(request.user, Role.OWNER)
    context = {
        "candidates": selectors.ownership_candidates(owner=request.user) if is_owner else [],
        "organization": request.tenant,
    }
    return render(request, "accounts/ownership.html", context)


@require_POST
@role_required(Role.OWNER)
@reauthentication_required
def ownership_transfer(request: HttpRequest) -> HttpResponse:
    new_owner = get_object_or_404(User, pk=_int(request.POST.get("new_owner")))
    try:
        services.ownership_transfer(new_owner=new_owner, transferred_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:ownership")
    messages.success(request, f"{new_owner.email} is now the owner; you are an admin.")
    return redirect("accounts:members")


@require_POST
@role_required(Role.OWNER)
@reauthentication_required
def deletion_request(request: HttpRequest) -> HttpResponse:
    try:
        services.organization_deletion_request(
            requested_by=request.user, actor=Actor.from_request(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            "Deletion requested. The platform team will confirm with you before anything "
            "is deleted.",
        )
    return redirect("accounts:ownership")


def _int(value: str | None) -> int:
    """A posted id; anything that isn't a number matches nobody (a 404)."""
    return int(value) if value and value.isdigit() else 0
