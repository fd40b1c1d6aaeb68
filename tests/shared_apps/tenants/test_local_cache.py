"""The one per-process cache behind routing, the task base and the failed-task receivers."""

import time

from shared_apps.tenants.local_cache import LocalCache


def test_it_keeps_at_most_maxsize_entries_dropping_the_least_recently_used():
    cache: LocalCache[str, int] = LocalCache(maxsize=2, ttl=lambda: 60)
    cache.put("acme", 1)
    cache.put("globex", 2)
    assert cache.get("acme") == 1  # acme is now the most recently used
    cache.put("initech", 3)
    assert cache.get("globex") is None
    assert (cache.get("acme"), cache.get("initech"), len(cache)) == (1, 3, 2)


def test_an_entry_expires_after_the_ttl_read_when_it_was_stored():
    seconds = {"ttl": 0.05}
    cache: LocalCache[str, int] = LocalCache(maxsize=10, ttl=lambda: seconds["ttl"])
    cache.put("acme", 1)
    seconds["ttl"] = 60  # a later change applies to later entries only
    cache.put("globex", 2)
    time.sleep(0.1)
    assert cache.get("acme") is None
    assert cache.get("globex") == 2
    assert len(cache) == 1


def test_clear_forgets_everything():
    cache: LocalCache[str, int] = LocalCache(maxsize=10, ttl=lambda: 60)
    cache.put("acme", 1)
    cache.clear()
    assert cache.get("acme") is None and len(cache) == 0
