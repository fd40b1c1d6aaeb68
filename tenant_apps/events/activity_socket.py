"""The live activity feed's socket: /ws/projects/<id>/activity/ on an organization's host."""

from typing import Any

from django.template.loader import render_to_string

from tenant_apps.accounts.consumers import MemberConsumer
from tenant_apps.accounts.roles import Role, has_role
from tenant_apps.events.activity import project_group, recent_activity
from tenant_apps.tracker.models import Project


class ActivityConsumer(MemberConsumer):
    """Sends the project's feed (an HTMX out-of-band fragment) on connect and on every new
    entry. Members only, and only for a project of this organization's schema."""

    def is_allowed(self, user: Any) -> bool:
        self.project_id = int(self.scope["url_route"]["kwargs"]["project_id"])
        return has_role(user, Role.MEMBER) and Project.objects.filter(pk=self.project_id).exists()

    def allowed_groups(self) -> frozenset[str]:
        return super().allowed_groups() | {project_group(self.tenant.schema_name, self.project_id)}

    async def on_connected(self) -> None:
        await super().on_connected()
        await self.join(project_group(self.tenant.schema_name, self.project_id))
        await self.send_feed()

    async def activity_added(self, event: dict[str, Any]) -> None:
        await self.send_feed()

    async def send_feed(self) -> None:
        await self.send(text_data=await self.in_tenant(self._render))

    def _render(self) -> str:
        return render_feed(project_id=self.project_id, oob=True)


def render_feed(*, project_id: int, oob: bool = False) -> str:
    return render_to_string(
        "events/_activity_entries.html",
        {"entries": recent_activity(project_id=project_id), "oob": oob},
    )
