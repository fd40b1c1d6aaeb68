"""The Branding settings page and the logo itself."""

import posixpath

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shared_apps.tenants.audit import Actor
from tenant_apps.accounts.roles import Role, role_required
from tenant_apps.branding import services
from tenant_apps.branding.forms import AccentForm, LogoForm
from tenant_apps.branding.selectors import logo_name_for

_CONTENT_TYPES = {
    extension: content_type
    for content_type, extensions in settings.BRANDING_LOGO_TYPES.items()
    for extension in extensions
}


def _page(
    request: HttpRequest,
    *,
    accent_form: AccentForm | None = None,
    logo_form: LogoForm | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = request.tenant
    context = {
        "accent_form": accent_form or AccentForm(initial={"accent": organization.brand_accent}),
        "logo_form": logo_form or LogoForm(),
    }
    return render(request, "branding/settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def branding_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    form = AccentForm(request.POST)
    if form.is_valid():
        try:
            services.organization_accent_set(
                organization=request.tenant,
                accent=form.cleaned_data["accent"],
                actor=Actor.from_request(request),
            )
        except ValidationError as error:
            form.add_error("accent", error.message_dict.get("accent", error.messages))
        else:
            messages.success(request, "Accent colour saved.")
            return redirect("branding:settings")
    return _page(request, accent_form=form, status=400)


@require_POST
@role_required(Role.ADMIN)
def logo_upload(request: HttpRequest) -> HttpResponse:
    form = LogoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.organization_logo_set(
                organization=request.tenant,
                upload=form.cleaned_data["logo"],
                actor=Actor.from_request(request),
            )
        except ValidationError as error:
            form.add_error("logo", error.messages)
        else:
            messages.success(request, "Logo saved.")
            return redirect("branding:settings")
    return _page(request, logo_form=form, status=400)


@require_POST
@role_required(Role.ADMIN)
def logo_remove(request: HttpRequest) -> HttpResponse:
    services.organization_logo_remove(
        organization=request.tenant, actor=Actor.from_request(request)
    )
    messages.success(request, "Logo removed.")
    return redirect("branding:settings")


@require_GET
def logo(request: HttpRequest, filename: str) -> FileResponse:
    """The logo of this host's organization, to anyone (the sign-in page shows it too).
    Another organization's logo name is a 404 here: only this organization's row is
    consulted, and its bytes are read under this schema's prefix."""
    name = logo_name_for(request.tenant, filename)
    if name is None:
        raise Http404("No such logo.")
    extension = posixpath.splitext(name)[1].lstrip(".")
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("No such logo.") from None
    response = FileResponse(handle, content_type=_CONTENT_TYPES.get(extension, "image/png"))
    response["X-Content-Type-Options"] = "nosniff"
    # Nothing may run even if the logo is opened on its own; the browser's own image
    # viewer styles itself inline, which is all this allows.
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    # The name changes with every upload: the URL's content never does.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
