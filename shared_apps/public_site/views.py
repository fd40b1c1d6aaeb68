from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shared_apps.public_site.forms import FindOrganizationForm
from shared_apps.public_site.tasks import send_organization_finder_email

_FIND_LIMIT_PER_HOUR = 10


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public_site/home.html")


@require_http_methods(["GET", "POST"])
def find_organization(request: HttpRequest) -> HttpResponse:
    """Answers the same whether or not the address is known; the lookup and the email
    happen in a task, so the response time tells nothing either."""
    form = FindOrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _over_limit(request):
            messages.error(request, "Too many requests from your network. Try again in an hour.")
            return redirect("public_site:find-organization")
        email = form.cleaned_data["email"]
        transaction.on_commit(lambda: send_organization_finder_email.delay(email))
        return render(request, "public_site/find_organization_sent.html", {"email": email})
    return render(request, "public_site/find_organization.html", {"form": form})


def _over_limit(request: HttpRequest) -> bool:
    key = f"find-organization:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) > _FIND_LIMIT_PER_HOUR
    except ValueError:  # the key expired between add and incr
        return False
