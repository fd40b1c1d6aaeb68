"""Which schemas a deploy migrates, in order."""

from django_tenants.utils import get_public_schema_name, schema_exists

from shared_apps.tenants.models import Organization
from shared_apps.tenants.provisioning.template import TEMPLATE_SCHEMA


def public_schema() -> str:
    return get_public_schema_name()


def tenant_schemas_to_migrate() -> list[str]:
    """Every organization's schema, whatever its status, migrated after the public one.

    Suspended and archived organizations are included: their schemas must stay on the
    current migrations so that reactivation, export and restore work with the code that
    runs, and an up-to-date schema costs nothing (see migration_state). Organizations
    whose schema does not exist (yet) are left out by the caller.

    The provisioning template schema comes first when it exists, so that it is migrated
    (and then recaptured, see migrate_tenants) with every deploy.
    """
    organizations = list(
        Organization.objects.exclude(schema_name=public_schema())
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )
    template = [TEMPLATE_SCHEMA] if schema_exists(TEMPLATE_SCHEMA) else []
    return template + organizations
