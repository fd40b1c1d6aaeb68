"""Lifecycle's background work: exports (queued by the console and the API)."""

from celery import shared_task

from shared_apps.tenants.lifecycle import exports
from shared_apps.tenants.models import OrganizationExport


@shared_task(name="tenants.export_organization", acks_late=True)
def export_organization(export_id: int) -> str:
    export = OrganizationExport.objects.filter(pk=export_id).first()
    if export is None:
        return "missing"
    return exports.export_run(export=export).status
