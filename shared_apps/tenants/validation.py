"""Input checks for the organization services: one function per operation.

The console, the platform API, the CLI and self-serve sign-up pass what they received
straight to a service, which calls these; each raises `ValidationError` (keyed by field)
and the caller only translates it (a form error, a 400, a CommandError). Nothing here
touches the database except the "slug taken" check done by the service itself.
"""

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from shared_apps.tenants.models import Organization
from shared_apps.tenants.validators import normalize_slug, schema_name_for_slug

NAME_MAX_LENGTH = Organization._meta.get_field("name").max_length
EMAIL_MAX_LENGTH = Organization._meta.get_field("pending_owner_email").max_length
QUERY_MAX_LENGTH = 200


def default_plan() -> str:
    """The plan an organization gets when nobody chose one: the first configured plan."""
    return settings.PLATFORM_PLANS[0]


def text_clean(value: object, *, field: str, max_length: int, required: bool = True) -> str:
    """A single line of text that PostgreSQL can store and a header can carry.

    Refuses what would otherwise fail deep in the stack as a 500: NUL (PostgreSQL text
    can't hold it), lone surrogates (not encodable as UTF-8), and control characters
    such as CR/LF (header injection in emails built from the value).
    """
    if not isinstance(value, str):
        raise ValidationError({field: "Send text."})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: "This field is required."})
    if len(value) > max_length:
        raise ValidationError({field: f"Use at most {max_length} characters."})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError({field: "The text contains characters that aren't valid."}) from None
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError(
            {field: "The text contains control characters (line breaks, NUL…); remove them."}
        )
    return value


def owner_email_clean(value: object, *, field: str = "owner_email") -> str:
    email = text_clean(value, field=field, max_length=EMAIL_MAX_LENGTH).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({field: "Enter a valid email address."}) from None
    return email


def plan_clean(value: object) -> str:
    if value is None or value == "":
        return default_plan()
    if value not in settings.PLATFORM_PLANS:
        raise ValidationError({"plan": f"Choose one of: {', '.join(settings.PLATFORM_PLANS)}."})
    return str(value)


def name_clean(value: object) -> str:
    return text_clean(value, field="name", max_length=NAME_MAX_LENGTH)


def slug_clean(value: object) -> str:
    slug = normalize_slug(text_clean(value, field="slug", max_length=QUERY_MAX_LENGTH))
    try:
        schema_name_for_slug(slug)
    except ValidationError as error:
        raise ValidationError({"slug": error.messages}) from None
    return slug


@dataclass(frozen=True)
class OrganizationRequest:
    name: str
    slug: str
    owner_email: str
    plan: str


def organization_request_validate(
    *, name: object, slug: object, owner_email: object, plan: object = None
) -> OrganizationRequest:
    """A new organization asked for by staff, the API or sign-up: every field at once."""
    cleaned, problems = {}, {}
    for field, clean, value in (
        ("name", name_clean, name),
        ("slug", slug_clean, slug),
        ("owner_email", owner_email_clean, owner_email),
        ("plan", plan_clean, plan),
    ):
        try:
            cleaned[field] = clean(value)
        except ValidationError as error:
            problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)
    return OrganizationRequest(**cleaned)


@dataclass(frozen=True)
class OrganizationFilter:
    query: str
    status: str
    plan: str


def organization_filter_validate(
    *, query: object = "", status: object = "", plan: object = ""
) -> OrganizationFilter:
    """The list's filters (console and API): refused, not guessed, when unusable."""
    query = text_clean(query or "", field="q", max_length=QUERY_MAX_LENGTH, required=False)
    if status and status not in Organization.Status.values:
        raise ValidationError(
            {"status": f"Choose one of: {', '.join(Organization.Status.values)}."}
        )
    if plan and plan not in settings.PLATFORM_PLANS:
        raise ValidationError({"plan": f"Choose one of: {', '.join(settings.PLATFORM_PLANS)}."})
    return OrganizationFilter(query=query, status=str(status or ""), plan=str(plan or ""))
