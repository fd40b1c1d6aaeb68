"""The organization's settings area (General, Sign-in policy; Branding in tenant_apps/branding).

Admins and owners reach it; the sign-in policy stays with owners, since it decides who can
get in at all. The writes are the platform's lifecycle services, audited like the
console's changes.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shared_apps.tenants.audit import Actor
from shared_apps.tenants.lifecycle.services import organization_rename, organization_update_policy
from tenant_apps.accounts.forms import OrganizationNameForm, OrganizationPolicyForm
from tenant_apps.accounts.roles import Role, role_required


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def settings_general(request: HttpRequest) -> HttpResponse:
    organization = request.tenant
    form = OrganizationNameForm(request.POST or None, initial={"name": organization.name})
    if request.method == "POST" and form.is_valid():
        try:
            organization_rename(
                organization=organization,
                name=form.cleaned_data["name"],
                actor=Actor.from_request(request),
            )
        except ValidationError as error:
            form.add_error("name", error.message_dict.get("name", error.messages))
        else:
            messages.success(request, f"The organization is now called “{organization.name}”.")
            return redirect("accounts:settings")
    status = 400 if form.errors else 200
    return render(request, "accounts/settings.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.OWNER)
def settings_sign_in(request: HttpRequest) -> HttpResponse:
    organization = request.tenant
    initial = {"require_mfa": organization.require_mfa, "open_signup": organization.open_signup}
    # No ":" after a checkbox's label (it follows the box).
    form = OrganizationPolicyForm(request.POST or None, initial=initial, label_suffix="")
    if request.method == "POST" and form.is_valid():
        organization_update_policy(
            organization=organization, **form.cleaned_data, actor=Actor.from_request(request)
        )
        messages.success(request, "Sign-in policy saved.")
        return redirect("accounts:settings-sign-in")
    return render(request, "accounts/settings_sign_in.html", {"form": form})
