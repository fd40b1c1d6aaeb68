"""Validation of organization slugs and the schema names derived from them.

A slug becomes both a DNS label (`<slug>.<platform-domain>`) and part of a PostgreSQL
schema name, so it is held to the stricter of the two. Hostile input fails here with a
message a person can act on, long before any SQL is written.
"""

import re

from django.core.exceptions import ValidationError

SLUG_MIN_LENGTH = 3
SLUG_MAX_LENGTH = 40
SCHEMA_PREFIX = "org_"

_SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")

RESERVED_SLUGS = frozenset(
    {
        "www", "admin", "administrator", "api", "app", "apps", "assets", "auth", "billing",
        "blog", "cdn", "console", "dashboard", "dev", "docs", "ftp", "help", "imap", "info",
        "information_schema", "localhost", "login", "logout", "mail", "media", "mx", "ns1",
        "ns2", "platform", "pop", "pop3", "postgres", "public", "root", "signup", "smtp",
        "staff", "static", "status", "support", "system", "template", "tenant", "tenants",
        "test", "webmail", "ws", "wss",
    }
)  # fmt: skip
RESERVED_PREFIXES = ("pg-", "pg_", "xn--")


def normalize_slug(value: str) -> str:
    return value.strip().lower()


def validate_slug(value: str) -> None:
    """Raise ValidationError unless `value` is a usable organization slug."""
    if not isinstance(value, str) or not value:
        raise ValidationError("Enter a slug.", code="required")
    if not SLUG_MIN_LENGTH <= len(value) <= SLUG_MAX_LENGTH:
        raise ValidationError(
            f"The slug must be {SLUG_MIN_LENGTH}–{SLUG_MAX_LENGTH} characters long.",
            code="length",
        )
    if not _SLUG_PATTERN.fullmatch(value):
        raise ValidationError(
            "Use lower-case letters, digits and hyphens only, starting and ending with a "
            "letter or digit (it becomes the organization's web address).",
            code="invalid",
        )
    if "--" in value:
        raise ValidationError("The slug can't contain two hyphens in a row.", code="invalid")
    if value in RESERVED_SLUGS or value.startswith(RESERVED_PREFIXES):
        raise ValidationError(f"“{value}” is reserved; choose another slug.", code="reserved")


def schema_name_for_slug(slug: str) -> str:
    """`acme-eu` → `org_acme_eu`: prefixed so no slug can name a system schema."""
    validate_slug(slug)
    return SCHEMA_PREFIX + slug.replace("-", "_")
