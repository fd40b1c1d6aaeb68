"""Reads on the organization's audit log."""

import datetime

from django.db.models import QuerySet

from tenant_apps.events.models import AuditEntry


def audit_entries(
    *,
    event_type: str = "",
    actor: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEntry]:
    """Newest first, narrowed by whichever filters are given (`until` is inclusive)."""
    entries = AuditEntry.objects.all()
    if event_type:
        entries = entries.filter(event_type=event_type)
    if actor:
        entries = entries.filter(actor_email__icontains=actor)
    if since:
        entries = entries.filter(occurred_at__date__gte=since)
    if until:
        entries = entries.filter(occurred_at__date__lte=until)
    return entries


CSV_COLUMNS = [
    "occurred_at",
    "event_type",
    "actor_email",
    "ip_address",
    "entity_type",
    "entity_id",
    "summary",
]


def audit_csv_rows(entries: QuerySet[AuditEntry]):
    """Header then one row per entry; a cell that a spreadsheet would run as a formula
    (=, +, -, @) is prefixed with a quote (OWASP's CSV injection advice)."""
    yield CSV_COLUMNS
    for row in entries.values_list(*CSV_COLUMNS).iterator(chunk_size=2000):
        yield [_inert(value) for value in row]


def _inert(value) -> str:
    text = value.isoformat() if isinstance(value, datetime.datetime) else str(value or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
