"""Writes on organizations: the one code path for the CLI, the console and the API."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_exists, tenant_context

from shared_apps.tenants.models import Domain, Organization
from shared_apps.tenants.signals import organization_schema_ready
from shared_apps.tenants.template import (
    Snapshot,
    TemplateUnsupported,
    current_snapshot,
    schema_build_from_template,
    template_refresh,
)
from shared_apps.tenants.validators import normalize_slug, schema_name_for_slug

logger = logging.getLogger(__name__)

# Extra set-up run inside the new schema (demo data, test fixtures).
SchemaSeeder = Callable[[Organization], None]


def organization_create(
    *,
    name: str,
    slug: str,
    owner_email: str | None = None,
    owner_password: str | None = None,
    seed: SchemaSeeder | None = None,
    fast: bool = True,
) -> Organization:
    """Create an organization, its subdomain and its schema; active when this returns.

    With `owner_email`, the first owner is set up inside the new schema by the receivers
    of `organization_schema_ready` (the accounts app): an account with `owner_password`,
    or, without one, an emailed invitation. On any failure the schema and the rows are
    removed again and the error re-raised: nothing half-made is left behind, and the same
    slug can be tried again.
    """
    organization = organization_register(name=name, slug=slug)
    try:
        organization_provision(
            organization=organization,
            owner_email=owner_email,
            owner_password=owner_password,
            seed=seed,
            fast=fast,
        )
    except BaseException:
        logger.exception("provisioning %s failed; removing what was made", slug)
        _remove(organization)
        raise
    return organization


def organization_register(*, name: str, slug: str) -> Organization:
    """The organization's row and subdomain, in status `provisioning` (no schema yet)."""
    slug = normalize_slug(slug)
    try:
        schema_name = schema_name_for_slug(slug)
    except ValidationError as error:
        raise ValidationError({"slug": error.messages}) from None
    organization = Organization(
        name=name.strip(),
        slug=slug,
        schema_name=schema_name,
        status=Organization.Status.PROVISIONING,
    )
    # schema_name is derived from the slug validated above; a taken slug is the one message.
    organization.full_clean(exclude=["schema_name"], validate_unique=False)
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"The slug “{slug}” is already taken."})
    try:
        with transaction.atomic():
            organization.save()
            Domain.objects.create(
                domain=subdomain_for(slug), tenant=organization, is_primary=True, is_verified=True
            )
    except IntegrityError:
        raise ValidationError({"slug": f"The slug “{slug}” is already taken."}) from None
    return organization


def organization_provision(
    *,
    organization: Organization,
    owner_email: str | None = None,
    owner_password: str | None = None,
    seed: SchemaSeeder | None = None,
    fast: bool = True,
) -> Organization:
    """Build a registered organization's schema and first owner, then mark it active.

    The fast path builds the schema from the template in the same transaction as the
    owner and the status change: it all happens, or none of it. The slow path (the
    template unusable, or `fast=False`) replays the migrations, as django-tenants does.
    """
    snapshot = _usable_snapshot() if fast else None
    if snapshot is None:
        organization.create_schema(check_if_exists=True, verbosity=0)
    with transaction.atomic():
        if snapshot is not None:
            schema_build_from_template(organization.schema_name, snapshot)
        with tenant_context(organization):
            organization_schema_ready.send(
                sender=Organization,
                organization=organization,
                owner_email=owner_email,
                owner_password=owner_password,
            )
            if seed is not None:
                seed(organization)
        organization.status = Organization.Status.ACTIVE
        organization.save(update_fields=["status", "updated_at"])
    logger.info(
        "organization %s provisioned in schema %s (%s path)",
        organization.slug,
        organization.schema_name,
        "template" if snapshot is not None else "migrations",
    )
    return organization


def _usable_snapshot() -> Snapshot | None:
    snapshot = current_snapshot()
    if snapshot is not None:
        return snapshot
    try:
        return template_refresh()
    except TemplateUnsupported as reason:
        logger.warning("provisioning by migrations: %s", reason)
        return None


def subdomain_for(slug: str) -> str:
    return f"{slug}.{settings.PLATFORM_DOMAIN}"


def organization_set_status(*, organization: Organization, status: str) -> Organization:
    if status not in Organization.Status.values:
        raise ValidationError(f"Unknown status “{status}”.")
    organization.status = status
    organization.save(update_fields=["status", "updated_at"])
    logger.info("organization %s is now %s", organization.slug, status)
    return organization


def organization_suspend(*, organization: Organization) -> Organization:
    return organization_set_status(organization=organization, status=Organization.Status.SUSPENDED)


def organization_reactivate(*, organization: Organization) -> Organization:
    return organization_set_status(organization=organization, status=Organization.Status.ACTIVE)


def organization_delete(*, organization: Organization) -> None:
    """Drop the organization's schema and its rows. Irreversible."""
    _remove(organization)
    logger.info("organization %s deleted", organization.slug)


def _remove(organization: Organization) -> None:
    connection.set_schema_to_public()
    schema = organization.schema_name or schema_name_for_slug(organization.slug)
    with transaction.atomic():
        if schema_exists(schema):
            with connection.cursor() as cursor:
                # Deferred foreign-key checks queued on the schema's tables in this
                # transaction would block the DROP; run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
        if organization.pk:
            Organization.objects.filter(pk=organization.pk).delete()


def organization_update_policy(
    *, organization: Organization, require_mfa: bool, open_signup: bool
) -> Organization:
    """Change the organization's sign-in policy (owners do this from their settings page)."""
    organization.require_mfa = require_mfa
    organization.open_signup = open_signup
    organization.save(update_fields=["require_mfa", "open_signup", "updated_at"])
    return organization
