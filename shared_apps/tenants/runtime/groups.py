"""Channel-layer group names that always carry the organization's schema, and senders.

Group names are the only thing Channels uses to route a message to sockets, and the
channel layer is shared by every organization: a name without the schema ("user.7") would
reach user 7 of every organization. Every group Tenantry uses is built here, from a
schema name, so a view, a Celery task or a consumer can only ever address one
organization's sockets:

* `organization_group(schema)` – every signed-in socket of that organization;
* `user_group(schema, user_id)` – the sockets of one member of that organization;
* `session_group(schema, session_key)` – the sockets one session opened (a support
  session's, closed when it ends without closing the member's own).

`send_to_organization` / `send_to_user` default to the schema the current code runs in
(a request, a Celery task run by tenant-schemas-celery, a `schema_context`).
"""

import hashlib
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection

from shared_apps.tenants.validators import SCHEMA_NAME_PATTERN


class NoOrganizationSelected(RuntimeError):
    """Sending to an organization's sockets from code that runs in no organization."""


def _checked_schema(schema: str) -> str:
    if schema == "public" or not SCHEMA_NAME_PATTERN.fullmatch(schema or ""):
        raise NoOrganizationSelected(
            f"{schema!r} is not an organization's schema: organization and user groups "
            "exist only inside an organization."
        )
    return schema


def organization_group(schema: str) -> str:
    """The group every signed-in socket of the organization with this schema joins."""
    return f"org.{_checked_schema(schema)}"


def user_group(schema: str, user_id: int) -> str:
    """The group of one member's sockets in one organization (ids repeat across schemas)."""
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise ValueError(f"user_id must be a positive integer, not {user_id!r}")
    return f"org.{_checked_schema(schema)}.user.{user_id}"


def session_group(schema: str, session_key: str) -> str:
    """The group of the sockets one session opened (named by a digest, not the key)."""
    if not session_key:
        raise ValueError("session_group needs a session key")
    digest = hashlib.sha256(session_key.encode()).hexdigest()[:32]
    return f"org.{_checked_schema(schema)}.session.{digest}"


def current_schema() -> str:
    """The schema of the organization the calling code runs for (NoOrganizationSelected if none)."""
    return _checked_schema(connection.schema_name)


def send_to_organization(*, message: dict[str, Any], schema: str | None = None) -> None:
    """Deliver `message` (a Channels event: {"type": "handler.name", ...}) to every socket
    of the organization (the current one unless `schema` is given)."""
    _group_send(organization_group(schema or current_schema()), message)


def send_to_user(*, user_id: int, message: dict[str, Any], schema: str | None = None) -> None:
    """Deliver `message` to the sockets of one member of the organization."""
    _group_send(user_group(schema or current_schema(), user_id), message)


def send_to_session(
    *, session_key: str, message: dict[str, Any], schema: str | None = None
) -> None:
    """Deliver `message` to the sockets one session of the organization opened."""
    _group_send(session_group(schema or current_schema(), session_key), message)


def _group_send(group: str, message: dict[str, Any]) -> None:
    if "type" not in message:
        raise ValueError("A channel-layer message needs a 'type' naming the consumer's handler.")
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("CHANNEL_LAYERS is not configured.")
    async_to_sync(layer.group_send)(group, message)
