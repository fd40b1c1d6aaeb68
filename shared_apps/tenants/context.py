"""The organization the current code runs for (public API for tenant apps)."""

from django.db import connection

from shared_apps.tenants.models import Organization


def current_organization() -> Organization | None:
    """The organization whose schema the connection is on; None in the public schema."""
    tenant = connection.tenant
    if isinstance(tenant, Organization):
        return tenant
    if connection.schema_name == "public":
        return None
    # Set by schema name only (schema_context, tenant_command): look the row up.
    return Organization.objects.filter(schema_name=connection.schema_name).first()
