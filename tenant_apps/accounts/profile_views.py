"""Every member's own page: name, picture, the allauth pages for email, password, two-factor,
and leaving the organization."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenant_apps.accounts import selectors, services
from tenant_apps.accounts.avatars import avatar_content_type
from tenant_apps.accounts.forms import AvatarForm, ProfileForm
from tenant_apps.accounts.roles import Role, role_required


@require_http_methods(["GET", "POST"])
@role_required(Role.MEMBER)
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, initial={"full_name": request.user.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=request.user, full_name=form.cleaned_data["full_name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Profile saved.")
            return redirect("accounts:profile")
    return _profile_page(request, form=form, status=400 if form.errors else 200)


@require_POST
@role_required(Role.MEMBER)
def avatar_upload(request: HttpRequest) -> HttpResponse:
    form = AvatarForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.avatar_set(user=request.user, upload=form.cleaned_data["avatar"])
        except ValidationError as error:
            form.add_error("avatar", error)
        else:
            messages.success(request, "Picture saved.")
            return redirect("accounts:profile")
    return _profile_page(request, avatar_form=form, status=400)


@require_POST
@role_required(Role.MEMBER)
def avatar_remove(request: HttpRequest) -> HttpResponse:
    services.avatar_clear(user=request.user)
    messages.success(request, "Picture removed: your initials are shown instead.")
    return redirect("accounts:profile")


@require_GET
def avatar(request: HttpRequest, avatar_id: str) -> HttpResponse:
    """404 alike for a visitor, a member of another organization and an unknown id."""
    member = selectors.avatar_for_member(viewer=request.user, avatar_id=avatar_id)
    if member is None:
        raise Http404("No such picture here.")
    response = FileResponse(
        default_storage.open(member.avatar.name, "rb"),
        content_type=avatar_content_type(member.avatar.name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    # The id changes with every upload, so a cached copy is never stale.
    response["Cache-Control"] = "private, max-age=86400"
    return response


@require_POST
@role_required(Role.MEMBER)
def leave(request: HttpRequest) -> HttpResponse:
    organization_name = request.tenant.name
    if getattr(request, "impersonation", None):
        # Staff in a support session act for the member, but don't decide to leave for them.
        messages.error(request, "A support session can't leave the organization for the member.")
        return redirect("accounts:profile")
    try:
        services.member_leave(member=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("accounts:profile")
    logout(request)
    messages.success(request, f"You have left {organization_name}.")
    return redirect(settings.LOGIN_URL)


def _profile_page(
    request: HttpRequest,
    *,
    form: ProfileForm | None = None,
    avatar_form: AvatarForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form or ProfileForm(initial={"full_name": request.user.full_name}),
        "avatar_form": avatar_form or AvatarForm(),
        "avatar_max_bytes": settings.AVATAR_MAX_UPLOAD_BYTES,
    }
    return render(request, "accounts/profile.html", context, status=status)
