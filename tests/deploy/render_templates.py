"""Renders every project template under the settings it is run with; prints a JSON report.

Run in a process of its own (`python -m tests.deploy.render_templates`) with
DJANGO_SETTINGS_MODULE=config.settings.prod and STATIC_ROOT at a build's output, as
test_static_build.py does: production's manifest storage then answers every
`{% static %}` from that build's manifest, as the image would.

Two passes, so no `{% static %}` escapes: every static node of every template is resolved
on its own (a page that fails to render for want of context still has its assets
checked), and every template is rendered with an anonymous request and no context.
"""

import json
import sys
from pathlib import Path

import django
from django.conf import settings

MISSING = "Missing staticfiles manifest entry"


def _template_names() -> list[str]:
    roots = [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]]
    base = Path(settings.BASE_DIR)
    roots += sorted(path for path in base.glob("*_apps/*/templates") if path.is_dir())
    return sorted(str(path.relative_to(root)) for root in roots for path in root.rglob("*.html"))


def _render(template, request) -> str:
    """Returns "ok", or why not: tried with the organization hosts' URLs, then the public host's."""
    from django.urls import NoReverseMatch, set_urlconf

    outcome = ""
    for urlconf in (settings.ROOT_URLCONF, settings.PUBLIC_SCHEMA_URLCONF):
        set_urlconf(urlconf)
        try:
            template.render({}, request)
            return "ok"
        except NoReverseMatch as error:  # a public page's link: try the public URLs
            outcome = f"NoReverseMatch: {error}"
        except Exception as error:  # a page needing context: its assets were checked above
            return f"{type(error).__name__}: {error}"
        finally:
            set_urlconf(None)
    return outcome


def main() -> int:
    django.setup()
    from django.template import Context
    from django.template.loader import get_template
    from django.templatetags.static import StaticNode
    from django.test import RequestFactory

    request = RequestFactory().get("/", HTTP_HOST=settings.PLATFORM_DOMAIN)
    report: dict[str, dict] = {}
    for name in _template_names():
        template = get_template(name)
        entry: dict = {"static": [], "missing": [], "render": "ok"}
        for node in template.template.nodelist.get_nodes_by_type(StaticNode):
            try:
                entry["static"].append(node.url(Context()))
            except ValueError as error:
                entry["missing"].append(str(error))
        entry["render"] = _render(template, request)
        if MISSING in entry["render"]:
            entry["missing"].append(entry["render"])
        report[name] = entry
    json.dump(report, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
