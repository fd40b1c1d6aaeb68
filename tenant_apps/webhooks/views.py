"""Admins' pages for webhook endpoints and their deliveries (HTMX for the live parts)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenant_apps.accounts.roles import Role, role_required
from tenant_apps.webhooks import selectors, services
from tenant_apps.webhooks.forms import EndpointForm
from tenant_apps.webhooks.models import WebhookDelivery, WebhookEndpoint


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def endpoint_list(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(
                **form.cleaned_data, created_by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _detail_page(request, endpoint, secret=secret, status=201)
    context = {"form": form, "endpoints": selectors.endpoints()}
    return render(request, "webhooks/list.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    if request.method == "GET":
        return _detail_page(request, endpoint)
    form = EndpointForm(request.POST)
    if form.is_valid():
        try:
            services.endpoint_update(endpoint=endpoint, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhooks:detail", pk=endpoint.pk)
    return _detail_page(request, endpoint, form=form, status=400)


@require_POST
@role_required(Role.ADMIN)
def endpoint_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    secret = services.endpoint_secret_rotate(endpoint=endpoint)
    return _detail_page(request, endpoint, secret=secret)


@require_POST
@role_required(Role.ADMIN)
def endpoint_enable(request: HttpRequest, pk: int) -> HttpResponse:
    services.endpoint_enable(endpoint=get_object_or_404(WebhookEndpoint, pk=pk))
    messages.success(request, "Endpoint enabled.")
    return redirect("webhooks:detail", pk=pk)


@require_POST
@role_required(Role.ADMIN)
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.endpoint_delete(endpoint=get_object_or_404(WebhookEndpoint, pk=pk))
    messages.success(request, "Endpoint deleted.")
    return redirect("webhooks:list")


@require_GET
@role_required(Role.ADMIN)
def endpoint_deliveries(request: HttpRequest, pk: int) -> HttpResponse:
    """The deliveries table alone: the detail page refreshes it while it is open."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    context = {"endpoint": endpoint, "deliveries": selectors.deliveries_of(endpoint)}
    return render(request, "webhooks/_deliveries.html", context)


@require_POST
@role_required(Role.ADMIN)
def delivery_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), pk=pk)
    try:
        services.delivery_redeliver(delivery=delivery)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400, content_type="text/plain")
    if request.headers.get("HX-Request"):
        return render(request, "webhooks/_delivery_row.html", {"delivery": delivery})
    messages.success(request, "Delivery queued again.")
    return redirect("webhooks:detail", pk=delivery.endpoint_id)


def _detail_page(
    request: HttpRequest,
    endpoint: WebhookEndpoint,
    *,
    secret: str = "",
    form: EndpointForm | None = None,
    status: int = 200,
) -> HttpResponse:
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
    }
    context = {
        "endpoint": endpoint,
        "secret": secret,
        "form": form or EndpointForm(initial=initial),
        "deliveries": selectors.deliveries_of(endpoint),
    }
    return render(request, "webhooks/detail.html", context, status=status)
