"""A web process's drain before its graceful shutdown, so a restart drops no request.

On SIGTERM uvicorn stops accepting at once and closes idle keep-alive connections: a
request the proxy sends meanwhile (or finds queued unaccepted) is reset, and a proxy may
retry only GETs after a reset. Draining first: for WEB_DRAIN_SECONDS the process keeps
serving everything but answers 503 on the health endpoints, so the proxy's health check
takes it out and holds new requests for the next process (deploy/Caddyfile); then
uvicorn's own shutdown runs, with nothing new arriving. A second SIGTERM skips the wait.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from types import FrameType
from typing import Any

from config.env import env

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]

HEALTH_PATHS = frozenset({"/healthz", "/readyz"})
_DRAINING_BODY = b'{"status": "draining"}'


class DrainOnSigterm:
    """ASGI wrapper: installs the drain on the server's lifespan startup (main thread,
    after uvicorn has put its own SIGTERM handler in place), so it acts only under a server
    that sends lifespan events and catches SIGTERM, never in tests or management commands."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.draining = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif self.draining.is_set() and scope["type"] == "http" and _is_health(scope):
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"cache-control", b"no-store"),
                        (b"content-length", str(len(_DRAINING_BODY)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": _DRAINING_BODY})
        else:
            await self.app(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                seconds = env.float("WEB_DRAIN_SECONDS", default=0.0)
                if seconds > 0 and threading.current_thread() is threading.main_thread():
                    self._install(seconds)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _install(self, seconds: float) -> None:
        server_handler = signal.getsignal(signal.SIGTERM)
        if not callable(server_handler):
            return  # nobody catches SIGTERM: nothing to delay

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            if self.draining.is_set():
                server_handler(signum, frame)
                return
            self.draining.set()
            timer = threading.Timer(seconds, server_handler, args=(signum, None))
            timer.daemon = True
            timer.start()

        signal.signal(signal.SIGTERM, on_sigterm)


def _is_health(scope: Scope) -> bool:
    return (scope.get("path", "").rstrip("/") or "/") in HEALTH_PATHS
