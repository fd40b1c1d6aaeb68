"""An organization's custom domains: added unverified, verified, made primary, removed."""

from django.core.exceptions import ValidationError
from django.db import transaction

from shared_apps.tenants.audit import Actor, audit_record
from shared_apps.tenants.models import Domain, Organization
from shared_apps.tenants.provisioning.services import subdomain_for


def domain_add(*, organization: Organization, domain: str, actor: Actor) -> Domain:
    """A custom domain, unverified (it routes nowhere until verified)."""
    record = Domain(domain=domain, tenant=organization, is_primary=False, is_verified=False)
    record.full_clean(exclude=["tenant"])
    with transaction.atomic():
        record.save()
        audit_record(
            actor=actor, action="domain.add", organization=organization, domain=record.domain
        )
    return record


def domain_verify(*, domain: Domain, actor: Actor) -> Domain:
    with transaction.atomic():
        domain.is_verified = True
        domain.save(update_fields=["is_verified"])
        audit_record(
            actor=actor, action="domain.verify", organization=domain.tenant, domain=domain.domain
        )
    return domain


def domain_set_primary(*, domain: Domain, actor: Actor) -> Domain:
    if not domain.is_verified:
        raise ValidationError("Verify the domain before making it the primary one.")
    with transaction.atomic():
        Domain.objects.filter(tenant=domain.tenant, is_primary=True).update(is_primary=False)
        domain.is_primary = True
        domain.save(update_fields=["is_primary"])
        audit_record(
            actor=actor, action="domain.primary", organization=domain.tenant, domain=domain.domain
        )
    return domain


def domain_remove(*, domain: Domain, actor: Actor) -> None:
    if domain.domain == subdomain_for(domain.tenant.slug):
        raise ValidationError("The organization's own subdomain can't be removed.")
    with transaction.atomic():
        if domain.is_primary:
            Domain.objects.filter(domain=subdomain_for(domain.tenant.slug)).update(is_primary=True)
        audit_record(
            actor=actor, action="domain.remove", organization=domain.tenant, domain=domain.domain
        )
        domain.delete()
