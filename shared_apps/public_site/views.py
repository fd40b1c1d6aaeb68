from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shared_apps.public_site.forms import FindOrganizationForm, WorkspaceSignupForm
from shared_apps.public_site.ratelimit import over_hourly_limit
from shared_apps.public_site.tasks import send_organization_finder_email
from shared_apps.tenants.audit import Actor
from shared_apps.tenants.client_ip import client_ip
from shared_apps.tenants.provisioning.services import organization_request

_FIND_LIMIT_PER_HOUR = 10
_SIGNUP_LIMIT_PER_HOUR = 10


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public_site/home.html")


@require_http_methods(["GET", "POST"])
def find_organization(request: HttpRequest) -> HttpResponse:
    """Answers the same whether or not the address is known; the lookup and the email
    happen in a task, so the response time tells nothing either."""
    form = FindOrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if over_hourly_limit(request, feature="find-organization", per_hour=_FIND_LIMIT_PER_HOUR):
            messages.error(request, "Too many requests from your network. Try again in an hour.")
            return redirect("public_site:find-organization")
        email = form.cleaned_data["email"]
        transaction.on_commit(lambda: send_organization_finder_email.delay(email))
        return render(request, "public_site/find_organization_sent.html", {"email": email})
    return render(request, "public_site/find_organization.html", {"form": form})


@require_http_methods(["GET", "POST"])
def workspace_signup(request: HttpRequest) -> HttpResponse:
    """Self-serve "create your workspace" (off unless SELF_SERVE_SIGNUP is set)."""
    if not settings.SELF_SERVE_SIGNUP:
        raise Http404("Self-serve sign-up is not enabled.")
    form = WorkspaceSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if over_hourly_limit(request, feature="signup", per_hour=_SIGNUP_LIMIT_PER_HOUR):
            messages.error(request, "Too many requests from your network. Try again in an hour.")
            return redirect("public_site:signup")
        email = form.cleaned_data["email"]
        actor = Actor(label=f"self-serve:{email}", ip_address=client_ip(request))
        try:
            organization = organization_request(
                name=form.cleaned_data["name"], slug=form.cleaned_data["slug"],
                owner_email=email, actor=actor,
            )  # fmt: skip
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            context = {"organization": organization, "email": email}
            return render(request, "public_site/signup_done.html", context)
    return render(request, "public_site/signup.html", {"form": form})
