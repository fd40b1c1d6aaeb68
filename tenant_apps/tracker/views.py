from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tenant_apps.accounts.roles import Role, has_role, role_required
from tenant_apps.tracker.forms import ProjectForm
from tenant_apps.tracker.models import Project
from tenant_apps.tracker.selectors import projects_list
from tenant_apps.tracker.services import project_create


@require_http_methods(["GET", "POST"])
@role_required(Role.MEMBER)
def project_list(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = project_create(name=form.cleaned_data["name"], created_by=request.user)
        messages.success(request, f"Project “{project.name}” created.")
        return redirect("tracker:project-list")
    return render(request, "tracker/project_list.html", {"form": form, "projects": projects_list()})


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
