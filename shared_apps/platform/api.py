"""The platform JSON API (public host), for billing and sign-up integrations.

Authenticated by platform API tokens: `Authorization: Bearer tnt_…`. Every write goes
through the same services as the console and the CLI, audited as `api-token:<name>`.
"""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from shared_apps.platform import selectors
from shared_apps.platform.api_tokens import api_token_authenticate
from shared_apps.tenants.audit import Actor
from shared_apps.tenants.client_ip import client_ip
from shared_apps.tenants.lifecycle import exports, owners
from shared_apps.tenants.lifecycle import services as lifecycle
from shared_apps.tenants.lifecycle.tasks import export_organization
from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning import services as provisioning
from shared_apps.tenants.selectors import owner_invitation_expires_at
from shared_apps.tenants.validation import organization_filter_validate
from shared_apps.usage.selectors import usage_as_json, usage_for, usage_range_validate


def _error(status: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def token_required(view: Callable) -> Callable:
    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        if not getattr(request.tenant, "is_public", False):
            return _error(404, "The platform API lives on the platform host.")
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        token = api_token_authenticate(raw.strip()) if scheme.lower() == "bearer" and raw else None
        if token is None:
            response = _error(
                401, "Send a valid platform API token: Authorization: Bearer <token>."
            )
            response["WWW-Authenticate"] = 'Bearer realm="platform"'
            return response
        request.actor = Actor(label=f"api-token:{token.name}", ip_address=client_ip(request))
        try:
            return view(request, *args, **kwargs)
        except ValidationError as error:
            detail = (
                error.message_dict
                if hasattr(error, "message_dict")
                else {"__all__": error.messages}
            )
            return _error(400, "The request was not valid.", fields=detail)

    return wrapped


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body.decode("utf-8") if request.body else "{}")
    except UnicodeDecodeError:
        raise ValidationError("The body is not UTF-8 encoded JSON.") from None
    except json.JSONDecodeError:
        raise ValidationError("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ValidationError("The body must be a JSON object.")
    return data


def _as_json(organization: Organization) -> dict[str, Any]:
    return {
        "name": organization.name,
        "slug": organization.slug,
        "status": organization.status,
        "plan": organization.plan,
        "domains": sorted(d.domain for d in organization.domains.all()),
        "provisioning_error": organization.provisioning_error or None,
        "pending_owner": _pending_owner(organization),
        "created_at": organization.created_at.isoformat(),
    }


def _pending_owner(organization: Organization) -> dict[str, Any] | None:
    if not organization.pending_owner_email:
        return None
    expires_at = owner_invitation_expires_at(organization)
    return {
        "email": organization.pending_owner_email,
        "invited_at": organization.owner_invited_at and organization.owner_invited_at.isoformat(),
        "expires_at": expires_at and expires_at.isoformat(),
    }


def _get(slug: str) -> Organization | None:
    return Organization.objects.prefetch_related("domains").filter(slug=slug).first()


@require_http_methods(["GET", "POST"])
@token_required
def organizations(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        data = _body(request)
        organization = provisioning.organization_request(
            name=data.get("name", ""), slug=data.get("slug", ""),
            owner_email=data.get("owner_email", ""), plan=data.get("plan"), actor=request.actor,
        )  # fmt: skip
        return JsonResponse(_as_json(organization), status=202)
    filters = organization_filter_validate(
        query=request.GET.get("q", ""), status=request.GET.get("status", ""),
        plan=request.GET.get("plan", ""),
    )  # fmt: skip
    page = selectors.organizations_for_console(
        query=filters.query, status=filters.status, plan=filters.plan,
        page=request.GET.get("page", 1),
    )  # fmt: skip
    return JsonResponse(
        {
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "results": [_as_json(o) for o in page.object_list],
        }
    )


@require_http_methods(["GET", "PATCH", "DELETE"])
@token_required
def organization(request: HttpRequest, slug: str) -> JsonResponse:
    found = _get(slug)
    if found is None:
        return _error(404, f"No organization with slug “{slug}”.")
    if request.method == "PATCH":
        data = _body(request)
        with transaction.atomic():
            if "name" in data:
                lifecycle.organization_rename(
                    organization=found, name=str(data["name"]), actor=request.actor
                )
            if "plan" in data:
                lifecycle.organization_change_plan(
                    organization=found, plan=str(data["plan"]), actor=request.actor
                )
    elif request.method == "DELETE":
        lifecycle.organization_delete(
            organization=found, actor=request.actor, force=request.GET.get("force") == "true"
        )
        return JsonResponse({"slug": slug, "status": "deleted"})
    return JsonResponse(_as_json(found))


_ACTIONS = {
    "suspend": lifecycle.organization_suspend,
    "reactivate": lifecycle.organization_reactivate,
    "archive": lifecycle.organization_archive,
    "restore": lifecycle.organization_restore,
}


@require_http_methods(["POST"])
@token_required
def organization_action(request: HttpRequest, slug: str, action: str) -> JsonResponse:
    found = _get(slug)
    if found is None:
        return _error(404, f"No organization with slug “{slug}”.")
    if action == "owner-invitation":
        data = _body(request)
        invited = owners.organization_owner_invite(
            organization=found, email=data.get("email"), actor=request.actor
        )
        return JsonResponse(_as_json(invited))
    if action == "export":
        export = exports.export_request(organization=found, actor=request.actor)
        transaction.on_commit(lambda: export_organization.delay(export.pk))
        return JsonResponse({"export": export.pk, "status": export.status}, status=202)
    if action not in _ACTIONS:
        return _error(
            404, f"Unknown action “{action}”.", actions=[*_ACTIONS, "export", "owner-invitation"]
        )
    return JsonResponse(_as_json(_ACTIONS[action](organization=found, actor=request.actor)))


@require_http_methods(["GET"])
@token_required
def organization_usage(request: HttpRequest, slug: str) -> JsonResponse:
    """Per-day usage (what billing reads): `?since=YYYY-MM-DD&until=YYYY-MM-DD`."""
    found = _get(slug)
    if found is None:
        return _error(404, f"No organization with slug “{slug}”.")
    since, until = usage_range_validate(
        since=request.GET.get("since", ""), until=request.GET.get("until", "")
    )
    days = usage_for(found, since=since, until=until)
    return JsonResponse(
        {
            "organization": found.slug,
            "since": since.isoformat(),
            "until": until.isoformat(),
            "days": [usage_as_json(day) for day in days],
        }
    )
