"""Count the Redis round trips a block of code makes (a pipeline or a script is one), on
the real server: each command still goes out; this only tallies what is sent."""

import contextlib
from collections.abc import Iterator

import pytest
from redis.connection import AbstractConnection


@contextlib.contextmanager
def redis_round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Yield a list that collects each round trip's packed commands, in order."""
    sent: list[bytes] = []
    send = AbstractConnection.send_packed_command

    def counting_send(self, command, check_health=True):
        parts = [command] if isinstance(command, bytes | str) else command
        sent.append(b"".join(p.encode() if isinstance(p, str) else bytes(p) for p in parts))
        return send(self, command, check_health)

    with monkeypatch.context() as patch:
        patch.setattr(AbstractConnection, "send_packed_command", counting_send)
        yield sent
