"""A channel-layer receive that is cancelled ends, even when the cancellation is lost.

redis-py times each write with `asyncio.wait_for`; before Python 3.12, `wait_for` cancelled
just as its write completes returns normally and the cancellation is gone
(python/cpython#86296). Here the write itself requests the cancellation at that moment, on
the real Redis, so the race happens every time: channels-redis's own layer then keeps
popping (BZPOPMIN) for ever and its consumer never ends; Tenantry's ends within one pop.
"""

import asyncio

import pytest
from channels_redis.core import RedisChannelLayer as StockLayer
from django.conf import settings
from redis.asyncio.connection import AbstractConnection

from shared_apps.tenants.runtime.channel_layer import RedisChannelLayer

LOST_AT_WRITE = b"BZPOPMIN"


@pytest.fixture
def cancellation_lost_at_the_pop(monkeypatch):
    """The first BZPOPMIN's write cancels the waiting receive as it completes: the moment
    at which Python 3.11's wait_for drops the cancellation."""
    write = AbstractConnection._send_packed_command
    receives: list[asyncio.Task] = []

    async def write_then_cancel(self, command):
        await write(self, command)
        if receives and any(LOST_AT_WRITE in bytes(part) for part in command):
            receives.pop().cancel()

    monkeypatch.setattr(AbstractConnection, "_send_packed_command", write_then_cancel)
    return receives


def _layer(kind: type[StockLayer], **attributes: float) -> StockLayer:
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    layer = kind(hosts=config["hosts"], prefix=f"{config['prefix']}:cancel")
    vars(layer).update(attributes)
    return layer


async def _receive_cancelled_at_the_pop(layer: StockLayer, receives: list) -> asyncio.Task:
    task = asyncio.ensure_future(layer.receive(await layer.new_channel()))
    receives.append(task)
    await asyncio.wait([task], timeout=layer.brpop_timeout + 3)
    return task


def test_a_receive_cancelled_as_its_pop_is_sent_ends(cancellation_lost_at_the_pop):
    async def scenario():
        task = await _receive_cancelled_at_the_pop(
            _layer(RedisChannelLayer), cancellation_lost_at_the_pop
        )
        assert not cancellation_lost_at_the_pop, "the write never cancelled the receive"
        assert task.done(), "the receive went on after its cancellation"
        assert task.cancelled()

    asyncio.run(scenario())


def test_the_stock_layer_loses_that_cancellation(cancellation_lost_at_the_pop):
    """The race this layer exists for, shown on channels-redis's own layer: if this starts
    failing (a Python or redis-py that keeps the cancellation), the subclass can go."""

    async def scenario():
        task = await _receive_cancelled_at_the_pop(
            _layer(StockLayer, brpop_timeout=1), cancellation_lost_at_the_pop
        )
        assert not cancellation_lost_at_the_pop, "the write never cancelled the receive"
        try:
            assert not task.done(), "channels-redis's layer ended: the race did not happen"
        finally:
            task.cancel()
            await asyncio.wait([task], timeout=2)

    asyncio.run(scenario())
