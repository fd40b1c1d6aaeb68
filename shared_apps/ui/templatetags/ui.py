"""`{% load ui %}`: helpers for the layout's navigation (templates/base.html)."""

from django import template
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString

register = template.Library()
CURRENT = SafeString(' aria-current="page"')  # a constant: nothing from the request in it
NOT_CURRENT = SafeString("")


@register.simple_tag
def url_if_exists(name: str) -> str:
    """The URL named `name`, or "" when this host has no such page (an app not installed
    yet): the nav shows only the pages that exist."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@register.simple_tag(takes_context=True)
def current(context: template.Context, url: str, exact: bool = False) -> SafeString:
    """' aria-current="page"' when the request is for `url` (or below it, unless exact)."""
    request: HttpRequest | None = context.get("request")
    if not request or not url:
        return NOT_CURRENT
    here = request.path
    hit = here == url if exact or url == "/" else here.startswith(url)
    return CURRENT if hit else NOT_CURRENT
