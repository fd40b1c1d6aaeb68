"""Reads for the staff console: organizations with their vital signs, a page at a time."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from shared_apps.tenants.db import citus
from shared_apps.tenants.db.citus import citus_enabled
from shared_apps.tenants.models import AuditEvent, Organization
from shared_apps.tenants.provisioning.template import code_migrations_count

SORTS = {
    "name": "name",
    "-name": "-name",
    "created": "created_at",
    "-created": "-created_at",
    "status": "status",
    "plan": "plan",
}
PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50


@dataclass
class SchemaStats:
    members: int | None = None
    last_activity: datetime | None = None
    size_bytes: int | None = None
    migrations_pending: int | None = None
    node: str | None = None  # the Citus worker holding the schema (None: not on Citus)


def organizations_for_console(
    *, query: str = "", status: str = "", plan: str = "", sort: str = "name", page: int = 1
) -> Page:
    """One page of organizations, searched by name, slug or domain, with stats per row.

    Stats are read for the page's rows only, in two queries whatever the page size, so
    the console stays fast with tens of thousands of organizations.
    """
    organizations: QuerySet[Organization] = Organization.objects.prefetch_related("domains")
    if query:
        organizations = organizations.filter(
            Q(name__icontains=query)
            | Q(slug__icontains=query)
            | Q(domains__domain__icontains=query)
        ).distinct()
    if status:
        organizations = organizations.filter(status=status)
    if plan:
        organizations = organizations.filter(plan=plan)
    organizations = organizations.order_by(SORTS.get(sort, "name"), "pk")
    result = Paginator(organizations, PAGE_SIZE).get_page(page)
    stats = schema_stats([o.schema_name for o in result.object_list])
    for organization in result.object_list:
        organization.stats = stats.get(organization.schema_name, SchemaStats())
    return result


def schema_stats(schemas: list[str]) -> dict[str, SchemaStats]:
    if not schemas:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, coalesce(sum(pg_total_relation_size(c.oid)), 0)"
            " FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid"
            " AND c.relkind IN ('r', 'm') WHERE n.nspname = ANY(%s) GROUP BY n.nspname",
            [schemas],
        )
        sizes = dict(cursor.fetchall())
        existing = [schema for schema in schemas if schema in sizes]
        if not existing:
            return {}
        nodes: dict[str, str] = {}
        if citus_enabled():
            # The coordinator holds empty shells; the data and its size are on a worker.
            for schema, placement in citus.placements(existing, sizes=True).items():
                sizes[schema], nodes[schema] = placement.size_bytes, str(placement.node)
        # Schema names come from the catalog above, never from input.
        parts = [
            f'SELECT %s, (SELECT count(*) FROM "{s}".accounts_user WHERE is_active),'
            f' (SELECT max(last_login) FROM "{s}".accounts_user),'
            f' (SELECT count(*) FROM "{s}".django_migrations)'
            for s in existing
        ]
        cursor.execute(" UNION ALL ".join(parts), existing)
        expected = code_migrations_count()
        return {
            schema: SchemaStats(
                members=members,
                last_activity=last_login,
                size_bytes=sizes[schema],
                migrations_pending=max(expected - recorded, 0),
                node=nodes.get(schema),
            )
            for schema, members, last_login, recorded in cursor.fetchall()
        }


def organization_members(organization: Organization) -> list:
    """The organization's members, read from its schema (for impersonation)."""
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context

    with tenant_context(organization):
        return list(get_user_model().objects.order_by("email"))


def audit_events(*, organization: Organization | None = None, limit: int = 50) -> list[AuditEvent]:
    events = AuditEvent.objects.all()
    if organization is not None:
        events = events.filter(organization_slug=organization.slug)
    return list(events[:limit])


def audit_events_page(
    *,
    organization: str = "",
    actor: str = "",
    action: str = "",
    since: date | None = None,
    until: date | None = None,
    page: int | str = 1,
) -> Page:
    """One page of the audit log, newest first, filtered; dates are whole UTC days.

    `organization` matches the slug kept on the event (it outlives a deleted organization).
    """
    events = AuditEvent.objects.all()
    if organization:
        events = events.filter(organization_slug=organization)
    if actor:
        events = events.filter(actor__icontains=actor)
    if action:
        events = events.filter(action__startswith=action)
    if since:
        events = events.filter(created_at__gte=_day_start(since))
    if until:
        events = events.filter(created_at__lt=_day_start(until + timedelta(days=1)))
    return Paginator(events.order_by("-created_at", "-id"), AUDIT_PAGE_SIZE).get_page(page)


def audit_actions() -> list[str]:
    """The actions recorded so far (the filter's choices)."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_fixed_timezone(0))
