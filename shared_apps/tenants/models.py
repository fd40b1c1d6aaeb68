from django.core.exceptions import ValidationError
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

from shared_apps.tenants.validators import (
    SLUG_MAX_LENGTH,
    InvalidHost,
    normalize_hostname,
    validate_slug,
)


class Organization(TenantMixin):
    """A customer organization; all of its data lives in its own schema."""

    class Status(models.TextChoices):
        PROVISIONING = "provisioning", "Being set up"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        ARCHIVED = "archived", "Archived"

    name = models.CharField(max_length=200)
    slug = models.CharField(max_length=SLUG_MAX_LENGTH, unique=True, validators=[validate_slug])
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PROVISIONING, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Database defaults too, so rows written by SQL (tools, bulk loads) stay valid.
    plan = models.CharField(max_length=40, default="free", db_default="free")
    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was archived; deletable after the grace period."
    )
    provisioning_error = models.TextField(
        blank=True,
        default="",
        db_default="",
        help_text="Why the last provisioning attempt failed (empty once active).",
    )

    # The first owner while they have not joined: kept here (not in anyone's session) so a
    # retry, the console, the CLI and the API can all (re)send their invitation. Cleared
    # when an owner accepts. An email address, not a reference into the tenant's tables.
    pending_owner_email = models.EmailField(
        blank=True,
        default="",
        db_default="",
        help_text="The invited first owner, until they join (empty once they have).",
    )
    owner_invited_at = models.DateTimeField(
        null=True, blank=True, help_text="When the pending owner's invitation was last sent."
    )

    # Organization-wide sign-in policy, read from the routing cache on every request.
    require_mfa = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Every member must set up two-factor authentication.",
    )
    open_signup = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Anyone may create an account here (otherwise invitation only).",
    )

    # An owner's request that the platform delete the organization (their ownership page);
    # staff see it in the console and act on it through archive, export and delete.
    deletion_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="When an owner asked for the organization's deletion."
    )
    deletion_requested_by = models.EmailField(
        blank=True, default="", db_default="", help_text="The owner who asked."
    )
    # Branding (tenant_apps/branding): shown on the organization's own pages and emails
    # only. The logo is a storage name relative to the organization's schema prefix.
    brand_accent = models.CharField(
        max_length=7, blank=True, default="", db_default="", help_text="#rrggbb, or empty."
    )
    brand_logo = models.CharField(
        max_length=200, blank=True, default="", db_default="", help_text="Logo storage name."
    )

    # Schemas are built and dropped by the provisioning services, never as a side effect
    # of saving or deleting a row.
    auto_create_schema = False
    auto_drop_schema = False

    is_public = False

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"


class Domain(DomainMixin):
    """A hostname that selects an organization: its platform subdomain or a custom domain."""

    is_verified = models.BooleanField(
        default=False,
        help_text="Platform subdomains are verified on creation; custom domains once proven.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.domain

    def clean(self) -> None:
        try:
            # DomainMixin (django-tenants, untyped) declares `domain`, so its type is unknown.
            self.domain = normalize_hostname(self.domain or "")  # type: ignore[has-type]
        except InvalidHost as error:
            raise ValidationError({"domain": f"Not a valid hostname ({error})."}) from None


class MemberDirectoryEntry(models.Model):
    """One organization where an email address (kept only as a keyed hash) has an account."""

    email_digest = models.CharField(max_length=64, db_index=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="directory_entries"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["email_digest", "organization"], name="unique_directory_entry"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email_digest[:12]}… → {self.organization_id}"


class SchemaTemplate(models.Model):
    """The captured DDL of the fully migrated template schema (see template.py)."""

    migrations_digest = models.CharField(max_length=64, unique=True)
    statements = models.JSONField()
    captured_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"template {self.migrations_digest[:12]} ({len(self.statements)} statements)"


class AuditEvent(models.Model):
    """Who did what to which organization, when, and from where (platform staff, API, CLI)."""

    actor = models.CharField(
        max_length=254, help_text="staff email, api-token:<name> or cli:<user>"
    )
    action = models.CharField(max_length=60, db_index=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    organization_slug = models.CharField(max_length=40, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.organization_slug}"
        )


class PlatformAPIToken(models.Model):
    """A credential for the platform API (billing, sign-up integrations). Stored hashed.

    A `read` token may only read (403 on writes); past `expires_at` it authenticates nothing.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read"
        READ_WRITE = "read-write", "Read and write"

    name = models.CharField(max_length=100, unique=True)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    token_digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(
        max_length=12, help_text="The token's first characters, to recognise it."
    )
    created_by = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class OrganizationExport(models.Model):
    """An archive of one organization's data, made in the background."""

    class Status(models.TextChoices):
        PENDING = "pending", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="exports"
    )
    organization_slug = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    file_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"export of {self.organization_slug} ({self.status})"


class PooledSchema(models.Model):
    """A schema built ahead of time from the template, waiting to become an organization's."""

    schema_name = models.CharField(max_length=63, unique=True)
    migrations_digest = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.schema_name
