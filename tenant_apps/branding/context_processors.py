from django.http import HttpRequest

from shared_apps.tenants.models import Organization
from tenant_apps.branding.selectors import Branding, branding_for


def branding(request: HttpRequest) -> dict[str, Branding | None]:
    """`branding` on an organization's pages; None on the platform's own host."""
    tenant = getattr(request, "tenant", None)
    return {"branding": branding_for(tenant) if isinstance(tenant, Organization) else None}
