"""The task page's socket, /ws/tracker/tasks/<id>/: comments appear live for everyone
viewing the task. The comment is rendered once, by the service that saved it, and pushed
to the task's group (services.task_group), whose name carries the organization."""

from typing import Any

from tenant_apps.accounts.consumers import MemberConsumer
from tenant_apps.tracker import selectors
from tenant_apps.tracker.services import task_group


class TaskCommentsConsumer(MemberConsumer):
    """Open to members for a live task of this organization (another organization's
    task id names nothing in this schema and is refused like a deleted one: 4401)."""

    def is_allowed(self, user: Any) -> bool:
        task_id = self.scope["url_route"]["kwargs"]["task_id"]
        return selectors.can_view(user) and selectors.task_get(pk=task_id) is not None

    def allowed_groups(self) -> frozenset[str]:
        task_id = self.scope["url_route"]["kwargs"]["task_id"]
        return super().allowed_groups() | {task_group(self.tenant.schema_name, task_id)}

    def groups_on_connect(self) -> frozenset[str]:
        """The task's group is joined before the socket opens: a comment posted as soon as
        the page's socket is open reaches it."""
        task_id = self.scope["url_route"]["kwargs"]["task_id"]
        return super().groups_on_connect() | {task_group(self.tenant.schema_name, task_id)}

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Comments are posted over HTTP (one validation path); the socket only listens."""

    async def comment_posted(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["html"])
