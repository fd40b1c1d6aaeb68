"""The API tokens settings page: create (the value shown once), list, revoke; and the API's
answer to a path it does not have.

The same services as /api/v1/tokens/ (tenant_apps/api/tokens.py): one validation, one audit.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from shared_apps.tenants.audit import Actor
from tenant_apps.accounts.roles import Role, has_role, role_required
from tenant_apps.api.models import ApiToken
from tenant_apps.api.tokens import MAX_LIFETIME_DAYS, token_create, token_revoke, tokens_visible_to


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    scope = forms.ChoiceField(choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ)
    lifetime_days = forms.IntegerField(
        min_value=1, max_value=MAX_LIFETIME_DAYS, initial=90, label="Expires after (days)"
    )


def _page(request: HttpRequest, form: TokenForm, *, raw=None, notice=None, status=200):
    context = {
        "form": form,
        "raw": raw,
        "notice": notice,
        "now": timezone.now(),
        "is_admin": has_role(request.user, Role.ADMIN),
        "tokens": tokens_visible_to(request.user),
    }
    return render(request, "api/tokens.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.MEMBER)
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, raw = token_create(
                user=request.user, **form.cleaned_data, actor=Actor.from_request(request)
            )
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages_)
        else:
            return _page(request, TokenForm(), raw=raw)
    # HTMX swaps only 2xx answers: it gets the errors with 200, a plain form post with 400.
    status = 400 if form.errors and not request.headers.get("HX-Request") else 200
    return _page(request, form, status=status)


@require_POST
@role_required(Role.MEMBER)
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(tokens_visible_to(request.user), pk=pk)
    try:
        token_revoke(token=token, by=request.user, actor=Actor.from_request(request))
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("api-settings:tokens")
    notice = f"Token “{token.name}” revoked."
    if request.headers.get("HX-Request"):
        return _page(request, TokenForm(), notice=notice)
    messages.success(request, notice)
    return redirect("api-settings:tokens")


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any path under /api/v1/ that matches no endpoint (a malformed id too): the envelope's
    404 in JSON, not Django's HTML page. Before authentication: it reveals nothing."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def initial(self, request, *args, **kwargs):
        raise NotFound
