"""The notification bell's socket: /ws/notifications/ on an organization's host."""

import json
import time
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import CSRF_SECRET_LENGTH, get_token

from shared_apps.tenants.runtime.consumers import GroupNotAllowed
from tenant_apps.accounts.consumers import MemberConsumer
from tenant_apps.accounts.roles import Role, has_role
from tenant_apps.notifications.bells import render_bell
from tenant_apps.notifications.pages import render_list
from tenant_apps.notifications.selectors import bell_state


class NotificationConsumer(MemberConsumer):
    """Sends the bell (an HTMX out-of-band fragment) on connect and whenever the member's
    notifications change; sending it on connect is what brings a page up to date after a
    reconnect, whatever was missed while the socket was down.

    A member's own change ("notifications.changed" on their group) is re-read here; an
    organization-wide one ("notifications.bell") arrives already rendered (bells.py) and
    the socket only picks its own member's fragment.

    A socket opened from the notifications page (`?list=<page number>`) sends that page's
    list after each bell too, read and rendered for its member alone (pages.py).

    Clients may send {"join": "<group>"}: the groups this socket has already joined are
    accepted (a no-op), any other closes the socket with 4430.
    """

    read_at = 0.0  # when this socket last read its bell (time.time())
    list_page: str | None = None  # the notifications page's number, when opened from it
    csrf_token = ""

    def is_allowed(self, user: Any) -> bool:
        return has_role(user, Role.MEMBER)

    async def on_connected(self) -> None:
        await super().on_connected()
        self.list_page, self.csrf_token = self._watched_list()
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

    async def notifications_bell(self, event: dict[str, Any]) -> None:
        index = event["bell_for"].get(str(self.user.pk))
        if index is None or event["as_of"] < self.read_at:
            return  # not a recipient, or this socket has read a newer bell since
        await self.send(text_data=event["fragments"][index])
        await self.send_list()

    async def send_bell(self) -> None:
        await self.send(text_data=await self.in_tenant(self._render_bell))
        await self.send_list()

    async def send_list(self) -> None:
        if self.list_page is None:
            return
        html = await self.in_tenant(
            render_list, recipient=self.user, page=self.list_page, csrf_token=self.csrf_token
        )
        await self.send(text_data=html)

    def _render_bell(self) -> str:
        self.read_at = time.time()
        return render_bell(bell_state(recipient=self.user))

    def _watched_list(self) -> tuple[str | None, str]:
        """(page number, CSRF token for its forms) when the page is watched, else (None, "").

        The token is masked from the CSRF cookie the page set, as Django's get_token does
        for a request; without that cookie the list's forms could not post, so no list."""
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        secret = self.scope.get("cookies", {}).get(settings.CSRF_COOKIE_NAME, "")
        if (
            "list" not in query
            or len(secret) != CSRF_SECRET_LENGTH
            or not (secret.isascii() and secret.isalnum())
        ):
            return None, ""
        request = HttpRequest()
        request.META["CSRF_COOKIE"] = secret
        return query["list"][0][:12], get_token(request)
