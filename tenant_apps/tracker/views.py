"""The tracker's pages. Thin: parse with a form, call one service or selector, render.

Every view needs a member (`role_required`); what a member may change is the services'
question (PermissionDenied becomes the 403 page), the trash is for admins. A task or
project that is deleted, or belongs to another organization (another schema), is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenant_apps.accounts.roles import Role, has_role, role_required
from tenant_apps.files.downloads import download_response
from tenant_apps.tracker import selectors, services
from tenant_apps.tracker.forms import (
    AttachmentForm,
    CommentForm,
    ProjectForm,
    TagForm,
    TaskFilterForm,
    TaskForm,
)
from tenant_apps.tracker.models import Project, Task

PAGE_SIZE = 50


def _project_or_404(pk: int) -> Project:
    project = selectors.project_get(pk=pk)
    if project is None:
        raise Http404("No such project here.")
    return project


def _task_or_404(pk: int) -> Task:
    task = selectors.task_get(pk=pk)
    if task is None:
        raise Http404("No such task here.")
    return task


def _invalid(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form it came from."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _status(request: HttpRequest, form) -> int:
    # HTMX swaps only 2xx answers: it gets the errors with 200, a plain form post with 400.
    return 400 if form.errors and not request.headers.get("HX-Request") else 200


@require_http_methods(["GET", "POST"])
@role_required(Role.MEMBER)
def project_list(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _invalid(form, error)
        else:
            messages.success(request, f"Project “{project.name}” created.")
            return redirect("tracker:project-list")
    context = {"form": form, "projects": selectors.projects_list()}
    return render(request, "tracker/project_list.html", context, status=_status(request, form))


@require_http_methods(["GET", "POST"])
@role_required(Role.MEMBER)
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_or_404(pk)
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(project=project, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _invalid(form, error)
        else:
            messages.success(request, "Project saved.")
            return redirect("tracker:project-detail", pk=project.pk)
    return _task_page(request, project=project, project_form=form)


@require_POST
@role_required(Role.MEMBER)
def project_delete(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_or_404(pk)
    services.project_delete(project=project, actor=request.user)
    messages.success(request, f"“{project.name}” is in the trash.")
    return redirect("tracker:project-list")


@require_GET
@role_required(Role.MEMBER)
def task_list(request: HttpRequest) -> HttpResponse:
    return _task_page(request)


def _task_page(request: HttpRequest, project: Project | None = None, project_form=None):
    """The filtered, paginated task list (the table alone for an HTMX request)."""
    query = request.GET.copy()
    if project is not None:
        query["project"] = str(project.pk)
    filter_form = TaskFilterForm(query)
    tasks = selectors.tasks_list(filters=filter_form.filters())
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    params = query.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "filter_form": filter_form,
        "query": params.urlencode(),
        "project": project,
        "project_form": project_form,
        "can_manage": project is not None and selectors.can_manage_project(request.user, project),
        "tag_form": TagForm(),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "task-table":
        return render(request, "tracker/_task_table.html", context)
    status = _status(request, project_form) if project_form is not None else 200
    return render(request, "tracker/task_list.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.MEMBER)
def task_create(request: HttpRequest) -> HttpResponse:
    initial = {"project": request.GET.get("project")}
    form = TaskForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _invalid(form, error)
        else:
            messages.success(request, f"Task “{task.title}” created.")
            return redirect("tracker:task-detail", pk=task.pk)
    return render(request, "tracker/task_form.html", {"form": form}, status=_status(request, form))


@require_http_methods(["GET", "POST"])
@role_required(Role.MEMBER)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(pk)
    form = TaskForm(request.POST or None, instance=task)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        tags = changes.pop("tags")
        try:
            services.task_update(task=task, actor=request.user, changes=changes, tags=tags)
        except ValidationError as error:
            _invalid(form, error)
        else:
            messages.success(request, "Task saved.")
            return redirect("tracker:task-detail", pk=task.pk)
    return _task_detail_page(request, task, form=form)


def _task_detail_page(request: HttpRequest, task: Task, **forms) -> HttpResponse:
    """The task page; `forms` are the ones being redisplayed with their errors."""
    context = {
        "task": task,
        "form": TaskForm(instance=task),
        "comment_form": CommentForm(),
        "attachment_form": AttachmentForm(),
        **forms,
        "comments": selectors.task_comments(task=task),
        "attachments": selectors.task_attachments(task=task),
        "history": selectors.task_history(task=task),
        "can_delete": selectors.can_delete_task(request.user, task),
        "max_bytes": settings.FILES_MAX_UPLOAD_BYTES,
        "max_size": filesizeformat(settings.FILES_MAX_UPLOAD_BYTES),
    }
    invalid = any(form.errors for form in forms.values())
    status = 400 if invalid and not request.headers.get("HX-Request") else 200
    return render(request, "tracker/task_detail.html", context, status=status)


@require_POST
@role_required(Role.MEMBER)
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(pk)
    services.task_delete(task=task, actor=request.user)
    messages.success(request, f"“{task.title}” is in the trash.")
    return redirect("tracker:project-detail", pk=task.project_id)


@require_POST
@role_required(Role.MEMBER)
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Everyone viewing the task, this author included, gets the comment over the socket;
    a plain form post (no JavaScript) goes back to the page."""
    task = _task_or_404(pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_create(task=task, author=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            _invalid(form, error)
        else:
            if request.headers.get("HX-Request"):
                form = CommentForm()
            else:
                return redirect("tracker:task-detail", pk=task.pk)
    context = {"task": task, "comment_form": form}
    return render(request, "tracker/_comment_form.html", context, status=_status(request, form))


@require_POST
@role_required(Role.MEMBER)
def attachment_create(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                task=task, upload=form.cleaned_data["file"], uploaded_by=request.user
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, f"Attached “{attachment.stored_file.name}”.")
            return redirect("tracker:task-detail", pk=task.pk)
    return _task_detail_page(request, task, attachment_form=form)


@require_GET
@role_required(Role.MEMBER)
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    attachment = selectors.attachment_get(task=_task_or_404(pk), pk=attachment_pk)
    if attachment is None:
        raise Http404("No such attachment here.")
    return download_response(attachment.stored_file)


@require_POST
@role_required(Role.MEMBER)
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    attachment = selectors.attachment_get(task=_task_or_404(pk), pk=attachment_pk)
    if attachment is None:
        raise Http404("No such attachment here.")
    services.attachment_remove(attachment=attachment, actor=request.user)
    messages.success(request, f"Removed “{attachment.stored_file.name}”.")
    return redirect("tracker:task-detail", pk=pk)


@require_POST
@role_required(Role.MEMBER)
def tag_create(request: HttpRequest) -> HttpResponse:
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            tag = services.tag_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _invalid(form, error)
        else:
            messages.success(request, f"Tag “{tag.name}” created.")
            return redirect("tracker:task-list")
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect("tracker:task-list")


@require_GET
@role_required(Role.ADMIN)
def trash(request: HttpRequest) -> HttpResponse:
    context = {
        "projects": selectors.trashed_projects(),
        "tasks": selectors.trashed_tasks(),
        "purge_days": settings.TRACKER_TRASH_DAYS,
    }
    return render(request, "tracker/trash.html", context)


@require_POST
@role_required(Role.ADMIN)
def project_restore(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(selectors.trashed_projects(), pk=pk)
    services.project_restore(project=project, actor=request.user)
    messages.success(request, f"Restored “{project.name}”.")
    return redirect("tracker:trash")


@require_POST
@role_required(Role.ADMIN)
def task_restore(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(selectors.trashed_tasks(), pk=pk)
    try:
        services.task_restore(task=task, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Restored “{task.title}”.")
    return redirect("tracker:trash")


@require_GET
async def project_summary(request: HttpRequest) -> HttpResponse:
    """An async view on the async ORM: reads the requesting organization's schema."""
    user = await request.auser()
    if not has_role(user, Role.MEMBER):
        return JsonResponse({"error": "Sign in to this organization first."}, status=401)
    names = [project.name async for project in Project.objects.order_by("id")]
    return JsonResponse(
        {"organization": request.tenant.slug, "count": len(names), "projects": names}
    )
