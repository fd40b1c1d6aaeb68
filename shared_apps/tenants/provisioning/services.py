"""Building organizations: register, provision (template, pool or migrations), request a
queued build and retry it, invite the first owner; the one code path for the CLI, the
console, the API and sign-up."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_exists, tenant_context

from shared_apps.tenants.audit import Actor, audit_record
from shared_apps.tenants.db.citus import citus_enabled
from shared_apps.tenants.db.locks import MIGRATION_LOCK_KEY
from shared_apps.tenants.models import Domain, Organization
from shared_apps.tenants.provisioning.placement import schema_place_new
from shared_apps.tenants.provisioning.pool import pool_take
from shared_apps.tenants.provisioning.progress import provisioning_report
from shared_apps.tenants.provisioning.tasks import provision_organization, refill_schema_pool
from shared_apps.tenants.provisioning.template import (
    Snapshot,
    TemplateUnsupported,
    current_snapshot,
    schema_build_from_template,
    template_refresh,
)
from shared_apps.tenants.signals import organization_schema_ready
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
        organization_remove(organization)
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
        organization.pending_owner_email = (owner_email or "") if invited else ""
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
    reason = f"{type(error).__name__}: {error}"
    Organization.objects.filter(pk=organization.pk).update(provisioning_error=reason)
    provisioning_report(organization.pk, step="Failed", status="failed", error=reason)
    return False


def organization_provision_retry(*, organization: Organization, actor: Actor) -> Organization:
    """Queue provisioning again; the pending owner kept on the organization is invited."""
    if organization.status != Organization.Status.PROVISIONING:
        raise ValidationError("Only an organization that is still being set up can be retried.")
    with transaction.atomic():
        organization.provisioning_error = ""
        organization.save(update_fields=["provisioning_error", "updated_at"])
        audit_record(actor=actor, action="organization.provision_retry", organization=organization)
        transaction.on_commit(lambda: provision_organization.delay(organization.pk))
    return organization


def _schema_from_pool_or_template(schema_name: str, snapshot: Snapshot) -> bool:
    """Build `schema_name`; True when it came from the pool (renamed), False if built."""
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


def organization_remove(organization: Organization) -> None:
    """Undo what provisioning made: the schema and the rows (a failed create, a deletion)."""
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
