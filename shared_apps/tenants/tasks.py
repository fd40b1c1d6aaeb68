"""Background work of the tenancy kernel (queued from the public schema, runs there)."""

from celery import shared_task

from shared_apps.tenants import exports
from shared_apps.tenants.models import OrganizationExport


@shared_task(name="tenants.export_organization", acks_late=True)
def export_organization(export_id: int) -> str:
    export = OrganizationExport.objects.filter(pk=export_id).first()
    if export is None:
        return "missing"
    return exports.export_run(export=export).status
