from typing import Any

from django import template

from tenant_apps.accounts.roles import has_role as _has_role

register = template.Library()


@register.filter
def has_role(user: Any, minimum: str) -> bool:
    """`{% if request.user|has_role:"admin" %}`"""
    return _has_role(user, minimum)
