"""Thin views: the theme choice and the dev-only catalogue of templates/components/."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shared_apps.ui.services import theme_choices, theme_set


@require_POST
def theme(request: HttpRequest) -> HttpResponse:
    """Set the theme: on the user when signed in (anonymous visitors keep it in localStorage
    only, static/js/theme.js). A script's fetch gets 204, a plain form a redirect back."""
    choice = request.POST.get("theme", "")
    if choice not in theme_choices():
        return HttpResponseBadRequest("theme must be one of: " + ", ".join(sorted(theme_choices())))
    if request.user.is_authenticated:
        theme_set(request.user, choice)
    if request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(back if safe else "/")


def catalogue(request: HttpRequest) -> HttpResponse:
    """Every component, as a reference for templates (installed in dev and test only)."""
    rows = [
        {"name": "Acme Corp", "slug": "acme", "status": "active", "members": 12},
        {"name": "Globex", "slug": "globex", "status": "suspended", "members": 3},
        {"name": "Initech", "slug": "initech", "status": "provisioning", "members": 1},
    ]
    page = Paginator(list(range(95)), 10).get_page(request.GET.get("page", 3))
    return render(request, "components/catalogue.html", {"rows": rows, "page_obj": page})
