"""The notifications page (a plain page: every action is a form post) and the bell fragment."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenant_apps.accounts.models import User
from tenant_apps.accounts.roles import Role, has_role, role_required
from tenant_apps.notifications import pages, selectors, services
from tenant_apps.notifications.bells import render_bell
from tenant_apps.notifications.forms import AnnouncementForm
from tenant_apps.notifications.models import Notification
from tenant_apps.notifications.tasks import announce_task


class MemberRequest(HttpRequest):
    """A request role_required let through: its user is a signed-in member, not
    AnonymousUser (django-stubs' pattern for authenticated requests; types only)."""

    user: User


@require_GET
@role_required(Role.MEMBER)
@ensure_csrf_cookie  # the page's socket masks its forms' token from this cookie
def notification_list(request: MemberRequest) -> HttpResponse:
    return _list_page(request, announcement_form=None)


def _list_page(
    request: MemberRequest, *, announcement_form: AnnouncementForm | None
) -> HttpResponse:
    context = {
        **pages.list_context(recipient=request.user, page=request.GET.get("page")),
        "announcement_form": announcement_form
        or (AnnouncementForm() if has_role(request.user, Role.ADMIN) else None),
    }
    return render(request, "notifications/list.html", context)


@require_POST
@role_required(Role.MEMBER)
def notification_read(request: MemberRequest, pk: int) -> HttpResponse:
    try:
        notification = services.notification_mark_read(recipient=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None
    if request.POST.get("open") and notification.link:
        return redirect(notification.link)
    return redirect("notifications:list")


@require_POST
@role_required(Role.MEMBER)
def notification_read_all(request: MemberRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(recipient=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("notifications:list")


@require_http_methods(["POST"])
@role_required(Role.ADMIN)
def announce(request: MemberRequest) -> HttpResponse:
    """Queue a notification to every member (a task: a large organization has many)."""
    form = AnnouncementForm(request.POST)
    if not form.is_valid():
        return _list_page(request, announcement_form=form)
    announce_task.delay(title=form.cleaned_data["title"], body=form.cleaned_data["body"])
    messages.success(request, "Announcement on its way to every member.")
    return redirect("notifications:list")


@require_GET
@role_required(Role.MEMBER)
def bell(request: MemberRequest) -> HttpResponse:
    """The bell as an HTML fragment (what the socket pushes, for an hx-get or a poll)."""
    state = selectors.bell_state(recipient=request.user)
    return HttpResponse(render_bell(state, oob=False))
