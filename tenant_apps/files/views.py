"""The files page (upload with progress, list, delete) and the protected download."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenant_apps.accounts.roles import Role, role_required
from tenant_apps.files import selectors, services
from tenant_apps.files.downloads import download_response
from tenant_apps.files.forms import UploadForm
from tenant_apps.files.models import StoredFile


@require_http_methods(["GET", "POST"])
@role_required(Role.MEMBER)
def file_list(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            stored = services.file_upload(
                upload=form.cleaned_data["file"], uploaded_by=request.user
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, f"Uploaded “{stored.name}”.")
            return redirect("files:list")
    # HTMX swaps only 2xx answers: it gets the errors with 200, a plain form post with 400.
    status = 400 if form.errors and not request.headers.get("HX-Request") else 200
    context = {
        "form": form,
        "files": selectors.files_list(),
        "max_bytes": settings.FILES_MAX_UPLOAD_BYTES,
        "max_size": filesizeformat(settings.FILES_MAX_UPLOAD_BYTES),
    }
    return render(request, "files/list.html", context, status=status)


@require_GET
def file_download(request: HttpRequest, public_id: str) -> HttpResponse:
    """404 for a visitor, a non-member and a file of another organization alike: a copied
    link reveals nothing about whether the file exists."""
    stored = selectors.file_for_member(user=request.user, public_id=public_id)
    if stored is None:
        raise Http404("No such file here.")
    return download_response(stored)


@require_POST
@role_required(Role.MEMBER)
def file_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    stored = get_object_or_404(StoredFile, public_id=public_id)
    try:
        services.file_delete(stored_file=stored, deleted_by=request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("files:list")
    messages.success(request, f"Deleted “{stored.name}”.")
    return redirect("files:list")
