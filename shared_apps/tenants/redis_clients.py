"""One redis-py client per URL per process, made once even when threads ask together.

`functools.cache` does not lock: the first requests after a worker starts (one thread
each under ASGI) all miss and each make a client; the cache keeps one and the others are
collected, and a collected client closes its connection pool (redis-py's `from_url`
clients own theirs) while a pipeline made from it, which holds the pool but not the
client, is still reading from one of its sockets: `ValueError: I/O operation on closed
file` or `'NoneType' object has no attribute 'readline'` in a request, a 500 (seen in the
serving benchmark's warm-up).
"""

import os
import threading

import redis

_clients: dict[tuple[int, str, tuple[tuple[str, float], ...]], redis.Redis] = {}
_lock = threading.Lock()


def shared_client(url: str, **options: float) -> redis.Redis:
    """The process's client for `url` with these `options` (uses that share a URL but
    not its timeouts get a client each); a forked child makes its own, since sockets must
    not cross a fork."""
    key = (os.getpid(), url, tuple(sorted(options.items())))
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = redis.Redis.from_url(url, **options)
                _clients[key] = client
    return client
