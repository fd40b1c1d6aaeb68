"""The staff console: thin views over shared_apps.tenants' services and selectors."""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shared_apps.failed_tasks.models import FailedTask
from shared_apps.failed_tasks.selectors import failed_tasks_list
from shared_apps.failed_tasks.services import failed_task_discard, failed_task_replay
from shared_apps.platform import api_tokens, selectors
from shared_apps.platform.access import staff_required
from shared_apps.platform.forms import (
    APITokenForm,
    AuditFilterForm,
    DeleteForm,
    FilterForm,
    MoveForm,
    NewOrganizationForm,
    PlanForm,
)
from shared_apps.tenants.audit import Actor
from shared_apps.tenants.db.citus import Node, citus_enabled, worker_nodes
from shared_apps.tenants.lifecycle import domains, exports, owners
from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.lifecycle.impersonation_tickets import impersonation_ticket
from shared_apps.tenants.lifecycle.tasks import export_organization
from shared_apps.tenants.models import Domain, Organization, OrganizationExport, PlatformAPIToken
from shared_apps.tenants.provisioning import move_requests
from shared_apps.tenants.provisioning import services as provisioning
from shared_apps.tenants.routing.links import organization_url
from shared_apps.tenants.selectors import owner_invitation_expires_at
from shared_apps.tenants.validation import default_plan
from shared_apps.tenants.validators import normalize_slug, validate_slug
from shared_apps.usage.selectors import usage_for, usage_range_validate

FAILED_TASKS_PAGE_SIZE = 50


def _flash(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _then_organization_page(
    request: HttpRequest, slug: str, action: Callable[[], object], success: str
) -> HttpResponse:
    """Run a service call; flash its refusal or `success`; back to the organization's page."""
    try:
        action()
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, success)
    return redirect("platform:organization", slug=slug)


def _organization(slug: str) -> Organization:
    return get_object_or_404(Organization.objects.prefetch_related("domains"), slug=slug)


@require_GET
@staff_required
def organization_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = selectors.organizations_for_console(
        query=filters.get("q", ""),
        status=filters.get("status", ""),
        plan=filters.get("plan", ""),
        sort=filters.get("sort") or "name",
        page=request.GET.get("page", 1),
    )
    context = {"form": form, "page": page, "sort": filters.get("sort") or "name"}
    return render(request, "platform/organization_list.html", context)


@require_GET
@staff_required
def slug_check(request: HttpRequest) -> HttpResponse:
    """Live slug feedback for the new-organization form (an HTMX fragment)."""
    slug = normalize_slug(request.GET.get("slug", ""))
    try:
        validate_slug(slug)
        message = None if not Organization.objects.filter(slug=slug).exists() else "taken"
    except ValidationError as error:
        message = error.messages[0]
    if message == "taken":
        message = f"“{slug}” is already taken."
    context = {"slug": slug, "message": message, "domain": f"{slug}.{settings.PLATFORM_DOMAIN}"}
    return render(request, "platform/_slug_check.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def organization_new(request: HttpRequest) -> HttpResponse:
    form = NewOrganizationForm(request.POST or None, initial={"plan": default_plan()})
    if request.method == "POST":
        try:
            organization = provisioning.organization_request(
                **{field: request.POST.get(field, "") for field in form.fields},
                actor=Actor.from_request(request),
            )
        except ValidationError as error:
            form.show_refusal(error)
        else:
            return redirect("platform:organization", slug=organization.slug)
    return render(request, "platform/organization_new.html", {"form": form})


@require_GET
@staff_required
def organization_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _organization(slug)
    members = (
        selectors.organization_members(organization)
        if organization.status == Organization.Status.ACTIVE
        else []
    )
    expires_at = owner_invitation_expires_at(organization)
    usage_since, usage_until = usage_range_validate()
    context = {
        "organization": organization,
        "stats": selectors.schema_stats([organization.schema_name]).get(organization.schema_name),
        "members": members,
        "exports": organization.exports.all()[:10],
        "events": selectors.audit_events(organization=organization),
        "plan_form": PlanForm(initial={"plan": organization.plan}),
        "organization_url": organization_url(organization),
        "owner_invitation_expires_at": expires_at,
        "owner_invitation_expired": expires_at is not None and expires_at <= timezone.now(),
        "workers": [str(node) for node in worker_nodes()] if citus_enabled() else [],
        "move": move_requests.move_progress(organization.pk),
        "move_form": MoveForm(),
        "usage": usage_for(organization, since=usage_since, until=usage_until),
    }
    return render(request, "platform/organization_detail.html", context)


@require_POST
@staff_required
def organization_move(request: HttpRequest, slug: str) -> HttpResponse:
    """Queue a move of the organization to another Citus worker (it keeps serving)."""
    organization = _organization(slug)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a node and a transfer mode.")
        return redirect("platform:organization", slug=slug)

    def move() -> None:
        try:
            target = Node.parse(form.cleaned_data["target"])
        except ValueError as error:
            raise ValidationError(str(error)) from None
        move_requests.organization_move_request(
            organization=organization, target=target, mode=form.cleaned_data["mode"],
            actor=Actor.from_request(request),
        )  # fmt: skip

    return _then_organization_page(
        request, slug, move,
        f"Moving {organization.name} to {form.cleaned_data['target']}; progress below.",
    )  # fmt: skip


@require_GET
@staff_required
def organization_status(request: HttpRequest, slug: str) -> JsonResponse:
    """Polling fallback for the provisioning progress (no WebSocket)."""
    organization = _organization(slug)
    return JsonResponse({"status": organization.status, "error": organization.provisioning_error})


_TRANSITIONS = {
    "suspend": (
        lifecycle.organization_suspend, "Suspend", "Suspended",
        "Members will see the suspended page; data is kept.",
    ),
    "reactivate": (
        lifecycle.organization_reactivate, "Reactivate", "Reactivated",
        "Members can sign in again.",
    ),
    "archive": (
        lifecycle.organization_archive, "Archive", "Archived",
        "Members lose access; data is kept and the organization can be restored during the "
        f"grace period ({settings.ORGANIZATION_DELETE_GRACE_DAYS} days), then deleted.",
    ),
    "restore": (
        lifecycle.organization_restore, "Restore", "Restored", "Members can sign in again.",
    ),
}  # fmt: skip


@require_http_methods(["GET", "POST"])
@staff_required
def organization_transition(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    """Confirm (GET) then perform (POST) a status change."""
    if action not in _TRANSITIONS:
        raise Http404("No such action.")
    organization = _organization(slug)
    service, label, done, consequence = _TRANSITIONS[action]
    if request.method == "POST":
        return _then_organization_page(
            request, slug,
            lambda: service(organization=organization, actor=Actor.from_request(request)),
            f"{done} {organization.name}.",
        )  # fmt: skip
    context = {"organization": organization, "label": label, "consequence": consequence}
    return render(request, "platform/confirm.html", context)


@require_POST
@staff_required
def organization_rename(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _organization(slug)
    name = request.POST.get("name", "")
    return _then_organization_page(
        request, slug,
        lambda: lifecycle.organization_rename(
            organization=organization, name=name, actor=Actor.from_request(request)
        ),
        "Renamed.",
    )  # fmt: skip


@require_POST
@staff_required
def organization_plan(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _organization(slug)
    plan = request.POST.get("plan", "")
    return _then_organization_page(
        request, slug,
        lambda: lifecycle.organization_change_plan(
            organization=organization, plan=plan, actor=Actor.from_request(request)
        ),
        f"Plan changed to {plan}.",
    )  # fmt: skip


@require_POST
@staff_required
def organization_retry(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _organization(slug)
    return _then_organization_page(
        request, slug,
        lambda: provisioning.organization_provision_retry(
            organization=organization, actor=Actor.from_request(request)
        ),
        "Provisioning queued again.",
    )  # fmt: skip


@require_POST
@staff_required
def owner_invite(request: HttpRequest, slug: str) -> HttpResponse:
    """Resend the pending owner's invitation, or (with `email`) invite someone else."""
    organization = _organization(slug)
    return _then_organization_page(
        request, slug,
        lambda: owners.organization_owner_invite(
            organization=organization, email=request.POST.get("email"),
            actor=Actor.from_request(request),
        ),
        "Owner invitation sent.",
    )  # fmt: skip


@require_POST
@staff_required
def domain_add(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _organization(slug)
    name = request.POST.get("domain", "")
    return _then_organization_page(
        request, slug,
        lambda: domains.domain_add(
            organization=organization, domain=name, actor=Actor.from_request(request)
        ),
        f"Added {name.strip().lower()}; verify it to start routing it.",
    )  # fmt: skip


_DOMAIN_ACTIONS = {
    "verify": domains.domain_verify,
    "primary": domains.domain_set_primary,
    "remove": domains.domain_remove,
}


@require_POST
@staff_required
def domain_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    if action not in _DOMAIN_ACTIONS:
        raise Http404("No such action.")
    domain = get_object_or_404(Domain, pk=pk, tenant__slug=slug)
    return _then_organization_page(
        request, slug,
        lambda: _DOMAIN_ACTIONS[action](domain=domain, actor=Actor.from_request(request)),
        f"{domain.domain}: done.",
    )  # fmt: skip


@require_POST
@staff_required
def export_request(request: HttpRequest, slug: str) -> HttpResponse:
    from django.db import transaction

    organization = _organization(slug)
    export = exports.export_request(organization=organization, actor=Actor.from_request(request))
    transaction.on_commit(lambda: export_organization.delay(export.pk))
    messages.success(request, "Export queued; it appears below when it is ready.")
    return redirect("platform:organization", slug=slug)


@require_GET
@staff_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    export = get_object_or_404(OrganizationExport, pk=pk, status=OrganizationExport.Status.DONE)
    path = exports.export_path(export)
    if not Path(path).is_file():
        raise Http404("The archive file is gone.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=export.file_name)


@require_http_methods(["GET", "POST"])
@staff_required
def organization_delete(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _organization(slug)
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirm_slug"] != organization.slug:
            form.add_error("confirm_slug", "That is not this organization's slug.")
        else:
            try:
                lifecycle.organization_delete(
                    organization=organization,
                    actor=Actor.from_request(request),
                    force=form.cleaned_data["force"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Deleted {organization.name} and its data.")
                return redirect("platform:organizations")
    return render(request, "platform/delete.html", {"organization": organization, "form": form})


@require_POST
@staff_required
def impersonate(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    organization = _organization(slug)
    member = next(
        (m for m in selectors.organization_members(organization) if m.pk == user_id), None
    )
    if member is None or not member.is_active:
        raise Http404("No such active member.")
    try:
        ticket = impersonation_ticket(
            organization=organization, user_id=member.pk, user_email=member.email,
            actor=Actor.from_request(request),
        )  # fmt: skip
    except ValidationError as error:
        _flash(request, error)
        return redirect("platform:organization", slug=slug)
    return redirect(organization_url(organization, f"/impersonate/{ticket}/"))


@require_http_methods(["GET", "POST"])
@staff_required
def api_token_list(request: HttpRequest) -> HttpResponse:
    form = APITokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, created = api_tokens.api_token_create(
                **form.cleaned_data, actor=Actor.from_request(request)
            )
        except ValidationError as error:
            _flash(request, error)
    tokens = PlatformAPIToken.objects.order_by("-created_at")
    return render(
        request, "platform/api_tokens.html", {"form": form, "tokens": tokens, "created": created}
    )


@require_POST
@staff_required
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(PlatformAPIToken, pk=pk, revoked_at__isnull=True)
    api_tokens.api_token_revoke(token=token, actor=Actor.from_request(request))
    messages.success(request, f"Revoked {token.name}.")
    return redirect("platform:api-tokens")


@require_GET
@staff_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """Filtered and paginated; invalid filters are shown on the form with a 400."""
    form = AuditFilterForm(request.GET)
    valid = form.is_valid()
    filters = {k: v for k, v in form.cleaned_data.items() if v} if valid else {}
    context = {
        "form": form,
        "page_obj": selectors.audit_events_page(**filters, page=request.GET.get("page", 1))
        if valid
        else None,
        "actions": selectors.audit_actions(),
    }
    return render(request, "platform/audit_log.html", context, status=200 if valid else 400)


@require_GET
@staff_required
def failed_task_list(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("show") == "all"
    page_obj = Paginator(failed_tasks_list(pending_only=not show_all), FAILED_TASKS_PAGE_SIZE)
    context = {"page_obj": page_obj.get_page(request.GET.get("page", 1)), "show_all": show_all}
    return render(request, "platform/failed_tasks.html", context)


@require_POST
@staff_required
def failed_task_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Replay (queue again in its organization's schema) or discard a failed task."""
    failed_task = get_object_or_404(FailedTask, pk=pk)
    actor = Actor.from_request(request)
    try:
        if action == "replay":
            new_id = failed_task_replay(
                failed_task=failed_task, actor=actor, force=request.POST.get("force") == "on"
            )
            messages.success(request, f"Queued again as {new_id}.")
        elif action == "discard":
            failed_task_discard(failed_task=failed_task, actor=actor)
            messages.success(request, f"Discarded {failed_task.task_name} [{failed_task.task_id}].")
        else:
            raise Http404("No such action.")
    except ValidationError as error:
        _flash(request, error)
    return redirect("platform:failed-tasks")
