from typing import Any

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (pagination, sorting)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def sort_link(context: dict[str, Any], field: str, label: str, current: str) -> str:
    query = context["request"].GET.copy()
    query["sort"] = (
        field[1:]
        if current == field and field.startswith("-")
        else (f"-{field}" if current == field else field)
    )
    query.pop("page", None)
    arrow = " ↑" if current == field else (" ↓" if current == f"-{field}" else "")
    url = f"?{query.urlencode()}"
    return format_html(
        '<a href="{}" hx-get="{}" hx-target="#organizations" hx-select="#organizations"'
        ' hx-swap="outerHTML" hx-push-url="true">{}{}</a>',
        url, url, label, arrow,
    )  # fmt: skip


@register.filter
def filesizeformat_or_dash(value: int | None) -> str:
    return "—" if value is None else filesizeformat(value)
