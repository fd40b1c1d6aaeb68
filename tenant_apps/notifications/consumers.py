"""The notification bell's socket: /ws/notifications/ on an organization's host."""

import json
from typing import Any

from django.template.loader import render_to_string

from shared_apps.tenants.runtime.consumers import GroupNotAllowed
from tenant_apps.accounts.consumers import MemberConsumer
from tenant_apps.accounts.roles import Role, has_role
from tenant_apps.notifications.selectors import bell_state


class NotificationConsumer(MemberConsumer):
    """Sends the bell (an HTMX out-of-band fragment) on connect and whenever the member's
    notifications change; sending it on connect is what brings a page up to date after a
    reconnect, whatever was missed while the socket was down.

    Clients may send {"join": "<group>"}: the groups this socket has already joined are
    accepted (a no-op), any other closes the socket with 4430.
    """

    def is_allowed(self, user: Any) -> bool:
        return has_role(user, Role.MEMBER)

    async def on_connected(self) -> None:
        await super().on_connected()
        await self.send_bell()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            request = json.loads(text_data or "")
        except ValueError:
            return
        group = request.get("join") if isinstance(request, dict) else None
        if not isinstance(group, str):
            return  # HTMX form submissions and the like: nothing to do here
        try:
            await self.join(group)
        except GroupNotAllowed:
            await self.refuse_join(group)

    async def notifications_changed(self, event: dict[str, Any]) -> None:
        await self.send_bell()

    async def send_bell(self) -> None:
        await self.send(text_data=await self.in_tenant(self._render_bell))

    def _render_bell(self) -> str:
        return render_to_string(
            "notifications/_bell.html", {"bell": bell_state(recipient=self.user), "oob": True}
        )
