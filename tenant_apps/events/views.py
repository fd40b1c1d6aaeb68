"""The organization's audit log for owners and admins: filters, pages, CSV export."""

import csv

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tenant_apps.accounts.roles import Role, role_required
from tenant_apps.events import selectors
from tenant_apps.events.forms import AuditFilterForm

PAGE_SIZE = 50


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@role_required(Role.ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "events/audit.html", {"form": form, "page": None}, status=400)
    entries = selectors.audit_entries(**form.cleaned_data)
    if request.GET.get("format") == "csv":
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in selectors.audit_csv_rows(entries)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        return response
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    context = {"form": form, "page": page, "filters": filters.urlencode()}
    return render(request, "events/audit.html", context)
