"""The base class every organization-facing consumer uses, and the last route (404)."""

from collections.abc import Callable
from typing import Any, TypeVar

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import connection

from shared_apps.tenants.models import Organization
from shared_apps.tenants.routing.websocket import (
    CLOSE_GROUP_NOT_ALLOWED,
    CLOSE_ORGANIZATION_UNAVAILABLE,
    CLOSE_SIGN_IN_REQUIRED,
    CLOSE_UNKNOWN_ORGANIZATION,
    CLOSE_UNKNOWN_PATH,
)
from shared_apps.tenants.runtime.groups import organization_group, user_group

T = TypeVar("T")


class NotFoundConsumer(AsyncWebsocketConsumer):
    """The last route: a handshake to a path no consumer serves is refused (4404), cleanly,
    instead of URLRouter's "No route found" exception."""

    async def connect(self) -> None:
        await self.close(code=CLOSE_UNKNOWN_PATH)


class GroupNotAllowed(PermissionError):
    """A consumer tried to join a group outside its organization or its own user's."""


class TenantConsumer(AsyncWebsocketConsumer):
    """Base for sockets on an organization's host.

    Subclasses implement `is_allowed(user)` (a role check, e.g. `has_role(user, Role.MEMBER)`)
    and, usually, `on_connected()`; `refusal(user)` may add gates with close codes of their
    own (tenant_apps.accounts.consumers.MemberConsumer: two-factor, impersonation expiry).
    The base class:

    * closes with 4404 on the platform host and 4401 when `is_allowed` refuses the user
      (anonymous, or a session from another organization, which this schema doesn't hold);
    * closes open sockets with 4403 when the organization stops being active (suspended,
      archived, deleted: `organization.unavailable`, sent by the tenancy receivers);
    * joins the organization's group and the user's own group (with any a subclass adds
      in `groups_on_connect()`) before accepting, and no other: `join()`
      refuses any other name (`GroupNotAllowed`), so a group from another organization,
      or another member's, can't be joined even by a buggy subclass;
    * runs ORM work with `in_tenant()`, which selects the organization on the connection
      inside the worker thread before the function runs.
    """

    groups_joined: set[str]

    async def connect(self) -> None:
        self.groups_joined = set()
        tenant = self.scope.get("tenant")
        if not isinstance(tenant, Organization):
            await self.close(code=CLOSE_UNKNOWN_ORGANIZATION)
            return
        self.tenant = tenant
        self.user = self.scope.get("user")
        refused = await self.in_tenant(self.refusal, self.user)
        if refused is not None:
            await self.close(code=refused)
            return
        # Joined before the handshake completes: the client may act as soon as it sees the
        # socket open (post a comment, say), and what that sends to these groups must reach
        # it. Group messages that arrive meanwhile wait until connect() has returned.
        for group in sorted(self.groups_on_connect()):
            await self.join(group)
        await self.accept()
        await self.on_connected()

    def is_allowed(self, user: Any) -> bool:
        """Runs in the organization's schema (in a worker thread); False closes with 4401."""
        raise NotImplementedError

    def refusal(self, user: Any) -> int | None:
        """The close code refusing this user, or None (runs in the organization's schema)."""
        return None if self.is_allowed(user) else CLOSE_SIGN_IN_REQUIRED

    def groups_on_connect(self) -> frozenset[str]:
        """The groups joined before the socket is accepted: the organization's and the
        user's; subclasses add the ones their page listens to."""
        schema = self.tenant.schema_name
        return frozenset({organization_group(schema), user_group(schema, self.user.pk)})

    async def on_connected(self) -> None:
        """Called once the socket is accepted and its groups joined (sends go here)."""

    def allowed_groups(self) -> frozenset[str]:
        schema = self.tenant.schema_name
        return frozenset({organization_group(schema), user_group(schema, self.user.pk)})

    async def join(self, group: str) -> None:
        if group not in self.allowed_groups():
            raise GroupNotAllowed(f"{group!r} is not a group of this socket's organization/user")
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)

    async def refuse_join(self, group: str) -> None:
        """Answer a client's request to join a group it may not join: close with 4430."""
        await self.close(code=CLOSE_GROUP_NOT_ALLOWED)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def member_signed_out(self, event: dict[str, Any]) -> None:
        """The member was deactivated (or signed out everywhere): close their open sockets."""
        await self.close(code=CLOSE_SIGN_IN_REQUIRED)

    async def organization_unavailable(self, event: dict[str, Any]) -> None:
        """The organization was suspended, archived or deleted: no more data reaches it."""
        await self.close(code=CLOSE_ORGANIZATION_UNAVAILABLE)

    async def in_tenant(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `function` in a worker thread whose connection is on this organization."""
        tenant = self.tenant

        def bound() -> T:
            # Set inside the thread: the thread's connection, not the event loop's, must be
            # on the organization when the function queries (django-tenants #1168).
            connection.set_tenant(tenant)
            return function(*args, **kwargs)

        return await database_sync_to_async(bound)()
