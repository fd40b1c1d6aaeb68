"""channels-redis's layer, with cancellations that are never lost.

redis-py bounds each write with `asyncio.wait_for` when `socket_timeout` is set (it must
be set: see CHANNEL_LAYERS in config/settings/base.py). Before Python 3.12, `wait_for`
cancelled just as the write completes returns instead of raising (python/cpython#86296),
so the cancellation disappears. A WebSocket consumer cancels its channel-layer receive when
the socket closes; a receive whose cancellation was lost goes on popping the process's
channel (BZPOPMIN, 5 s at a time) for ever, its consumer never ends (one leaked consumer
per occurrence), and uvicorn's graceful shutdown waits for it until its timeout. Seen on
the production web role: one in a few dozen sockets closing at once, and a worker that took
the whole `WEB_GRACEFUL_TIMEOUT` to stop.

After each blocking pop this layer checks whether its task has a cancellation pending and
raises it. Nothing is lost by raising there: channels-redis keeps a popped message in the
channel's backup queue until it is processed, and the next receive puts it back. The pop
blocks for 2 s instead of channels-redis's 5, so a lost cancellation is honoured within
2 s (the price: an idle web process polls Redis every 2 s instead of every 5).
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels_redis.core import RedisChannelLayer as _RedisChannelLayer


class RedisChannelLayer(_RedisChannelLayer):
    brpop_timeout = 2

    async def _brpop_with_clean(self, index: int, channel: str, timeout: float) -> Any:
        member = await super()._brpop_with_clean(index, channel, timeout)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError("cancelled during the channel layer's receive")
        return member
