from typing import Any

from django import template

from tenant_apps.accounts.roles import MemberControls
from tenant_apps.accounts.roles import has_role as _has_role
from tenant_apps.accounts.roles import member_controls as _member_controls

register = template.Library()


@register.filter
def has_role(user: Any, minimum: str) -> bool:
    """`{% if request.user|has_role:"admin" %}`"""
    return _has_role(user, minimum)


@register.filter
def member_controls(actor: Any, member: Any) -> MemberControls:
    """`{% with controls=request.user|member_controls:member %}`: the same answer the
    services give (tenant_apps/accounts/roles.py)."""
    return _member_controls(actor, member)
