"""Writes on organizations: the one code path for the CLI, the console and the API."""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_exists, tenant_context

from shared_apps.tenants.audit import Actor, audit_record
from shared_apps.tenants.citus import citus_enabled
from shared_apps.tenants.locks import MIGRATION_LOCK_KEY
from shared_apps.tenants.models import Domain, Organization, OrganizationExport
from shared_apps.tenants.placement import schema_place_new
from shared_apps.tenants.signals import organization_schema_ready, owner_invitation_requested
from shared_apps.tenants.template import (
    Snapshot,
    TemplateUnsupported,
    current_snapshot,
    schema_build_from_template,
    template_refresh,
)
from shared_apps.tenants.validation import (
    name_clean,
    organization_request_validate,
    owner_email_clean,
    plan_clean,
    slug_clean,
)
from shared_apps.tenants.validators import schema_name_for_slug

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
    if owner_email is not None:
        owner_email = owner_email_clean(owner_email)
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


def organization_register(*, name: object, slug: object, plan: object = None) -> Organization:
    """The organization's row and subdomain, in status `provisioning` (no schema yet), on
    `plan` or the default one."""
    slug = slug_clean(slug)
    schema_name = schema_name_for_slug(slug)
    organization = Organization(
        name=name_clean(name),
        plan=plan_clean(plan),
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
    except (IntegrityError, ValidationError):
        # A concurrent request registered the slug between our check and our insert: the
        # unique constraint (or django-tenants' schema-name check) caught it.
        raise ValidationError({"slug": f"The slug “{slug}” is already taken."}) from None
    return organization


def organization_provision(
    *,
    organization: Organization,
    owner_email: str | None = None,
    owner_password: str | None = None,
    seed: SchemaSeeder | None = None,
    fast: bool = True,
    report: Callable[[str], None] = lambda _step: None,
) -> Organization:
    """Build a registered organization's schema and first owner, then mark it active.

    The fast path builds the schema from the template in the same transaction as the
    owner and the status change: it all happens, or none of it. The slow path (the
    template unusable, or `fast=False`) replays the migrations, as django-tenants does.
    Emails (the owner's invitation) leave only after the commit, and a failure to send
    one is logged, never undoes the organization: the invitation can be resent.
    """
    report("Building the organization's database schema")
    snapshot = _usable_snapshot() if fast else None
    if snapshot is None:
        organization.create_schema(check_if_exists=True, verbosity=0)
    with transaction.atomic():
        # Waits while a deploy migrates (it holds this lock exclusively), so no schema is
        # built from a template those migrations are about to change.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [MIGRATION_LOCK_KEY])
        pooled = snapshot is not None and _schema_from_pool_or_template(
            organization.schema_name, snapshot
        )
        if not pooled and citus_enabled():
            # A pooled schema was placed when it was built; this one is placed once
            # committed (Citus can't move a schema created in the same transaction).
            schema = organization.schema_name
            transaction.on_commit(lambda: schema_place_new(schema))
        report("Setting up the owner's account")
        with tenant_context(organization):
            organization_schema_ready.send(
                sender=Organization,
                organization=organization,
                owner_email=owner_email,
                owner_password=owner_password,
            )
            if seed is not None:
                seed(organization)
        invited = bool(owner_email and not owner_password)
        organization.pending_owner_email = owner_email if invited else ""
        organization.owner_invited_at = timezone.now() if invited else None
        organization.status = Organization.Status.ACTIVE
        organization.provisioning_error = ""
        organization.save(
            update_fields=[
                "status", "provisioning_error", "pending_owner_email", "owner_invited_at",
                "updated_at",
            ]
        )  # fmt: skip
    logger.info(
        "organization %s provisioned in schema %s (%s path)",
        organization.slug,
        organization.schema_name,
        "template" if snapshot is not None else "migrations",
    )
    return organization


def organization_request(
    *, name: object, slug: object, owner_email: object, plan: object = None, actor: Actor
) -> Organization:
    """The console's, the API's and sign-up's "new organization": registered now, built by
    a task. Without a plan it gets the default one (validation.default_plan).

    The page that asked follows the task's progress live (see progress.py).
    """
    from shared_apps.tenants.tasks import provision_organization

    request = organization_request_validate(
        name=name, slug=slug, owner_email=owner_email, plan=plan
    )
    with transaction.atomic():
        organization = organization_register(
            name=request.name, slug=request.slug, plan=request.plan
        )
        organization.pending_owner_email = request.owner_email
        organization.save(update_fields=["pending_owner_email"])
        audit_record(
            actor=actor, action="organization.create", organization=organization,
            owner_email=request.owner_email, plan=request.plan,
        )  # fmt: skip
        transaction.on_commit(lambda: provision_organization.delay(organization.pk))
    return organization


def organization_provision_attempt(*, organization: Organization) -> bool:
    """Run provisioning for a registered organization, recording a failure instead of
    raising: the schema is removed, the reason kept for the console, and a retry allowed.
    The owner invited is the organization's pending owner."""
    from shared_apps.tenants.progress import provisioning_report

    def report(step: str) -> None:
        provisioning_report(organization.pk, step=step, status=Organization.Status.PROVISIONING)

    try:
        organization_provision(
            organization=organization,
            owner_email=organization.pending_owner_email or None,
            report=report,
        )
    except Exception as error:
        logger.exception("provisioning %s failed", organization.slug)
        status = Organization.objects.filter(pk=organization.pk).values_list("status", flat=True)
        if status.first() == Organization.Status.PROVISIONING:
            _drop_schema(organization.schema_name)
            return _record_failure(organization, error)
        # It had committed (the failure came after): the schema is in use, never drop it.
    provisioning_report(organization.pk, step="Ready", status=Organization.Status.ACTIVE)
    return True


def _record_failure(organization: Organization, error: Exception) -> bool:
    """Keep the reason for the console and tell the page following the progress."""
    from shared_apps.tenants.progress import provisioning_report

    reason = f"{type(error).__name__}: {error}"
    Organization.objects.filter(pk=organization.pk).update(provisioning_error=reason)
    provisioning_report(organization.pk, step="Failed", status="failed", error=reason)
    return False


def organization_provision_retry(*, organization: Organization, actor: Actor) -> Organization:
    """Queue provisioning again; the pending owner kept on the organization is invited."""
    from shared_apps.tenants.tasks import provision_organization

    if organization.status != Organization.Status.PROVISIONING:
        raise ValidationError("Only an organization that is still being set up can be retried.")
    with transaction.atomic():
        organization.provisioning_error = ""
        organization.save(update_fields=["provisioning_error", "updated_at"])
        audit_record(actor=actor, action="organization.provision_retry", organization=organization)
        transaction.on_commit(lambda: provision_organization.delay(organization.pk))
    return organization


def organization_owner_invite(
    *, organization: Organization, actor: Actor, email: object = None
) -> Organization:
    """(Re)send the first owner's invitation: a fresh link to the pending owner, or to
    `email` instead (which replaces them). Earlier owner invitations stop working.

    The invitation itself is made inside the schema by the receivers of
    `owner_invitation_requested` (the accounts app); the email leaves after the commit.
    """
    if organization.status != Organization.Status.ACTIVE:
        raise ValidationError("Only an active organization's owner can be invited.")
    if email is None or email == "":
        if not organization.pending_owner_email:
            raise ValidationError(
                {"owner_email": "This organization has no pending owner; give an address."}
            )
        email = organization.pending_owner_email
    email = owner_email_clean(email)
    with transaction.atomic():
        previous = organization.pending_owner_email
        with tenant_context(organization):
            owner_invitation_requested.send(
                sender=Organization, organization=organization, owner_email=email
            )
        organization.pending_owner_email = email
        organization.owner_invited_at = timezone.now()
        organization.save(update_fields=["pending_owner_email", "owner_invited_at", "updated_at"])
        audit_record(
            actor=actor, action="organization.owner_invite", organization=organization,
            owner_email=email, previous=previous,
        )  # fmt: skip
    return organization


def organization_owner_joined(*, organization: Organization) -> None:
    """An owner accepted an invitation: nobody is pending any more (accounts calls this)."""
    Organization.objects.filter(pk=organization.pk).update(
        pending_owner_email="", owner_invited_at=None
    )


def _schema_from_pool_or_template(schema_name: str, snapshot: Snapshot) -> bool:
    """Build `schema_name`; True when it came from the pool (renamed), False if built."""
    from shared_apps.tenants.pool import pool_take
    from shared_apps.tenants.tasks import refill_schema_pool

    pooled = pool_take(snapshot)
    if pooled is None:
        schema_build_from_template(schema_name, snapshot)
    else:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER SCHEMA "{pooled}" RENAME TO "{schema_name}"')
    if settings.SCHEMA_POOL_SIZE > 0:
        # Robust: a broker hiccup after the commit must not look like a failed provisioning.
        transaction.on_commit(refill_schema_pool.delay, robust=True)
    return pooled is not None


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


def organization_set_status(
    *, organization: Organization, status: str, actor: Actor | None = None
) -> Organization:
    if status not in Organization.Status.values:
        raise ValidationError(f"Unknown status “{status}”.")
    with transaction.atomic():
        previous = organization.status
        organization.status = status
        organization.archived_at = (
            timezone.now() if status == Organization.Status.ARCHIVED else None
        )
        organization.save(update_fields=["status", "archived_at", "updated_at"])
        if actor is not None:
            audit_record(
                actor=actor, action=f"organization.{status}", organization=organization,
                previous=previous,
            )  # fmt: skip
    logger.info("organization %s is now %s", organization.slug, status)
    return organization


def organization_suspend(*, organization: Organization, actor: Actor | None = None) -> Organization:
    return organization_set_status(
        organization=organization, status=Organization.Status.SUSPENDED, actor=actor
    )


def organization_reactivate(
    *, organization: Organization, actor: Actor | None = None
) -> Organization:
    return organization_set_status(
        organization=organization, status=Organization.Status.ACTIVE, actor=actor
    )


def organization_archive(*, organization: Organization, actor: Actor) -> Organization:
    """Close the organization to its members, keeping its data through the grace period."""
    return organization_set_status(
        organization=organization, status=Organization.Status.ARCHIVED, actor=actor
    )


def organization_restore(*, organization: Organization, actor: Actor) -> Organization:
    """Bring an archived organization back (its schema was never touched)."""
    if organization.status != Organization.Status.ARCHIVED:
        raise ValidationError("Only an archived organization can be restored.")
    return organization_set_status(
        organization=organization, status=Organization.Status.ACTIVE, actor=actor
    )


def organization_rename(*, organization: Organization, name: object, actor: Actor) -> Organization:
    name = name_clean(name)
    with transaction.atomic():
        previous, organization.name = organization.name, name
        organization.full_clean(exclude=["schema_name", "slug"], validate_unique=False)
        organization.save(update_fields=["name", "updated_at"])
        audit_record(
            actor=actor, action="organization.rename", organization=organization,
            previous=previous, name=name,
        )  # fmt: skip
    return organization


def organization_change_plan(
    *, organization: Organization, plan: object, actor: Actor
) -> Organization:
    if not plan:
        raise ValidationError({"plan": "Choose a plan."})
    plan = plan_clean(plan)
    with transaction.atomic():
        previous, organization.plan = organization.plan, plan
        organization.save(update_fields=["plan", "updated_at"])
        audit_record(
            actor=actor, action="organization.plan", organization=organization,
            previous=previous, plan=plan,
        )  # fmt: skip
    return organization


def organization_delete(
    *, organization: Organization, actor: Actor | None = None, force: bool = False
) -> None:
    """Drop the organization's schema and rows. Irreversible, so guarded: it must be
    archived for the grace period and have a finished export, unless `force`."""
    if not force:
        _ensure_deletable(organization)
    with transaction.atomic():
        if actor is not None:
            audit_record(
                actor=actor, action="organization.delete", organization=organization,
                schema=organization.schema_name, forced=force,
            )  # fmt: skip
        _remove(organization)
    logger.info("organization %s deleted%s", organization.slug, " (forced)" if force else "")


def _ensure_deletable(organization: Organization) -> None:
    if organization.status != Organization.Status.ARCHIVED or organization.archived_at is None:
        raise ValidationError(
            "Archive the organization first; it can be deleted after the grace period."
        )
    grace_ends = organization.archived_at + timedelta(days=settings.ORGANIZATION_DELETE_GRACE_DAYS)
    if timezone.now() < grace_ends:
        raise ValidationError(
            f"The grace period runs until {grace_ends:%Y-%m-%d %H:%M} UTC; until then the "
            "organization can be restored. Use force to delete now."
        )
    if not organization.exports.filter(status=OrganizationExport.Status.DONE).exists():
        raise ValidationError("Export the organization's data first, or use force.")


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


def _remove(organization: Organization) -> None:
    schema = organization.schema_name or schema_name_for_slug(organization.slug)
    with transaction.atomic():
        _drop_schema(schema)
        if organization.pk:
            Organization.objects.filter(pk=organization.pk).delete()


def _drop_schema(schema: str) -> None:
    connection.set_schema_to_public()
    if schema_exists(schema):
        with connection.cursor() as cursor:
            # Deferred foreign-key checks queued on the schema's tables in this
            # transaction would block the DROP; run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')


def organization_update_policy(
    *, organization: Organization, require_mfa: bool, open_signup: bool, actor: Actor
) -> Organization:
    """Change the organization's sign-in policy (owners do this from their settings page)."""
    with transaction.atomic():
        previous = {
            "require_mfa": organization.require_mfa, "open_signup": organization.open_signup
        }  # fmt: skip
        organization.require_mfa = require_mfa
        organization.open_signup = open_signup
        organization.save(update_fields=["require_mfa", "open_signup", "updated_at"])
        audit_record(
            actor=actor, action="organization.policy", organization=organization,
            previous=previous, require_mfa=require_mfa, open_signup=open_signup,
        )  # fmt: skip
    return organization
