"""Database sessions of their own, outside the process's connection pool."""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper


def unpooled_connection(using: str = DEFAULT_DB_ALIAS) -> BaseDatabaseWrapper:
    """A new connection that opens its own session and ends it on close().

    For what a pooled connection would get wrong: a session-level lock (closing must
    release it, not hand a locked session to the next request) and start-up checks (a
    refused connection must fail at once with its own error, not after the pool's timeout).
    """
    session = connections.create_connection(using)
    options = {k: v for k, v in session.settings_dict["OPTIONS"].items() if k != "pool"}
    session.settings_dict = {**session.settings_dict, "OPTIONS": options}
    return session
