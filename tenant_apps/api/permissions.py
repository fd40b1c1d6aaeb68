"""Who may call what: the same role check as the UI (accounts.roles.has_role), plus the
token's scope (a read-only token may only read)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from tenant_apps.accounts.roles import Role, has_role
from tenant_apps.api.credentials import credential_scope
from tenant_apps.api.models import ApiToken


def _scope_allows(request) -> bool:
    """A token (API token or JWT) carries a scope; the session may read and write."""
    return credential_scope(request) == ApiToken.Scope.READ_WRITE or request.method in SAFE_METHODS


class IsMember(BasePermission):
    message = "Members of this organization only; read-only tokens may only read."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, Role.MEMBER) and _scope_allows(request)


class IsAdmin(BasePermission):
    message = "Admins of this organization only; read-only tokens may only read."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, Role.ADMIN) and _scope_allows(request)


class IsMemberAnyScope(BasePermission):
    """For POSTs that change no data (exchanging a read-only token for a JWT of its scope)."""

    message = "Members of this organization only."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, Role.MEMBER)
