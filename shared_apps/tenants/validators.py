"""Validation of organization slugs, the schema names derived from them, and hostnames.

A slug becomes both a DNS label (`<slug>.<platform-domain>`) and part of a PostgreSQL
schema name, so it is held to the stricter of the two. Hostile input fails here with a
message a person can act on, long before any SQL is written.
"""

import re

import idna
from django.core.exceptions import ValidationError

SLUG_MIN_LENGTH = 3
SLUG_MAX_LENGTH = 40
SCHEMA_PREFIX = "org_"
# Any schema we create or serve (org_*, public, tenant_template, tenant_pool_*): unquoted
# PostgreSQL identifier rules, lower case. Group names and storage prefixes are built from it.
SCHEMA_NAME_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

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


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_PORT = re.compile(r"^[0-9]{1,5}$")
_MAX_HOSTNAME = 253


class InvalidHost(ValueError):
    """The Host header is not a hostname we could ever serve."""


def split_host(raw: str) -> tuple[str, str]:
    """Split `Host` into (normalized hostname, port or "")."""
    raw = raw.strip()
    host, port = raw, ""
    if raw.startswith("["):
        raise InvalidHost("IP literals are not served")
    if raw.count(":") == 1:
        host, port = raw.split(":")
        if not _PORT.fullmatch(port):
            raise InvalidHost(f"invalid port {port!r}")
    elif ":" in raw:
        raise InvalidHost("malformed host")
    return normalize_hostname(host), port


def normalize_hostname(host: str) -> str:
    """Lower-case, without its trailing dot, IDN converted to punycode; else InvalidHost."""
    host = host.strip()
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise InvalidHost("empty host")
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            raise InvalidHost(f"invalid internationalized name: {error}") from None
    host = host.lower()
    if len(host) > _MAX_HOSTNAME or not all(_LABEL.fullmatch(label) for label in host.split(".")):
        raise InvalidHost("not a valid hostname")
    return host
