"""`{% load activity %}{% activity_feed project %}`: the live feed on a project's page,
with no change to the page's view (the tag reads the feed itself)."""

from django import template

from tenant_apps.events.activity import recent_activity

register = template.Library()


@register.inclusion_tag("events/_activity.html")
def activity_feed(project) -> dict:
    return {"project_id": project.pk, "entries": recent_activity(project_id=project.pk)}
