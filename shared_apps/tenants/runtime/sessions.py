"""SESSION_ENGINE: Django's cached_db sessions, with the cached copy kept only briefly.

The database row (in the organization's own schema) is the truth; the "sessions" cache
(keys prefixed with that schema) saves a query per request. With Redis down, sessions are
read from and written to the table, so nobody is signed out.

One case needs care: a sign-out (or a password change, which cycles the session) made
while Redis is unreachable deletes the row, but the cached copy cannot be deleted. If the
same Redis comes back with its data, that copy would let the old cookie in again until it
expired from the cache, for as long as the session itself (two weeks by default). The
copy is therefore cached for at most SESSION_CACHE_SECONDS.
"""

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db


class _CappedTimeouts:
    """A cache whose set()/aset() never keep a value longer than `cap` seconds."""

    def __init__(self, cache: Any, cap: int) -> None:
        self._cache = cache
        self._cap = cap

    def _capped(self, timeout: Any) -> int:
        return self._cap if timeout is None else min(int(timeout), self._cap)

    def set(self, key: str, value: Any, timeout: Any = None, **kwargs: Any) -> Any:
        return self._cache.set(key, value, self._capped(timeout), **kwargs)

    async def aset(self, key: str, value: Any, timeout: Any = None, **kwargs: Any) -> Any:
        return await self._cache.aset(key, value, self._capped(timeout), **kwargs)

    def __contains__(self, key: str) -> bool:
        return key in self._cache

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cache, name)

    def __str__(self) -> str:
        return str(self._cache)


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        # cached_db.SessionStore sets `_cache` in an untyped __init__ (stubs leave it out).
        self._cache = _CappedTimeouts(self._cache, settings.SESSION_CACHE_SECONDS)  # type: ignore[has-type]
