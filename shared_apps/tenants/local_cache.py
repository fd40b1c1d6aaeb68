"""One bounded, expiring, thread-safe per-process cache (cachetools' TLRUCache, locked).

Routing answers, the Celery task base's active organizations and the failed-task
receivers' task contexts are each kept in one: never more than `maxsize` entries (least
recently used go first), each for `ttl()` seconds, read when the entry is stored so a
settings change applies to the next entry. cachetools is not thread-safe; the lock is.
"""

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from cachetools import TLRUCache

K = TypeVar("K")
V = TypeVar("V")


class LocalCache(Generic[K, V]):
    def __init__(self, *, maxsize: int, ttl: Callable[[], float]) -> None:
        self._ttl = ttl
        self._entries: TLRUCache[K, V] = TLRUCache(maxsize=maxsize, ttu=self._expires_at)
        self._lock = threading.Lock()

    def _expires_at(self, _key: K, _value: V, now: float) -> float:
        return now + self._ttl()

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            self._entries.expire()
            return len(self._entries)
