"""The platform audit log: every lifecycle action, by whom, when and from where."""

import getpass
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from shared_apps.tenants.client_ip import client_ip
from shared_apps.tenants.models import AuditEvent, Organization


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff member (console), an API token, or the command line."""

    label: str
    ip_address: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest) -> "Actor":
        # Only signed-in staff and members act; an anonymous request has no actor.
        return cls(label=getattr(request.user, "email", ""), ip_address=client_ip(request))

    @classmethod
    def command_line(cls) -> "Actor":
        return cls(label=f"cli:{getpass.getuser()}")


def audit_record(
    *, actor: Actor, action: str, organization: Organization | None, **detail: Any
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor.label,
        action=action,
        organization=organization if organization and organization.pk else None,
        organization_slug=organization.slug if organization else "",
        detail=detail,
        ip_address=actor.ip_address,
    )
