"""The hub: ordered delivery, bounded queues, and a Redis backend that survives a lost connection.

The Redis cases run against a redis-server of their own (killed, restarted, frozen), so they need the
binary but no running service; they use their own Hub, not the process-wide one of the db fixture.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from backend.live.broadcast import Hub, StreamClosed, Subscription
from backend.live.events import Event
from tests.servers import RedisServer, needs_redis_server, redis_server, until


async def receive(sub: Subscription, count: int) -> list[Event]:
    events = aiter(sub)
    return [await asyncio.wait_for(anext(events), 10) for _ in range(count)]


@pytest.fixture
async def memory_hub() -> AsyncIterator[Hub]:
    hub = Hub()
    await hub.start("memory://", queue_size=100)
    yield hub
    await hub.stop()


async def test_events_arrive_in_order_on_the_topics_subscribed(memory_hub: Hub) -> None:
    async with memory_hub.subscribe("a", "b") as sub:
        assert memory_hub.subscriber_count("a") == memory_hub.subscriber_count("b") == 1
        for n in range(3):
            await memory_hub.publish(Event("a", "x", {"n": n}))
        await memory_hub.publish(Event("other", "x", {"n": 99}))
        await memory_hub.publish(Event("b", "y", {"n": 3}))
        events = await receive(sub, 4)
    assert [(e.topic, e.payload["n"]) for e in events] == [("a", 0), ("a", 1), ("a", 2), ("b", 3)]
    assert len({e.id for e in events}) == 4
    assert memory_hub.subscriber_count("a") == 0 and memory_hub.status()["topics"] == 0


async def test_a_stalled_subscriber_is_closed_and_the_others_get_the_whole_burst(memory_hub: Hub) -> None:
    async with memory_hub.subscribe("t", queue_size=5) as stalled, memory_hub.subscribe("t") as reader:
        burst = 50
        for n in range(burst):
            await memory_hub.publish(Event("t", "x", {"n": n}))
        got = await receive(reader, burst)
        assert [e.payload["n"] for e in got] == list(range(burst))
        with pytest.raises(StreamClosed, match="fell more than 5 events behind"):
            await asyncio.wait_for(anext(aiter(stalled)), 10)
        assert stalled.queue.qsize() == 0  # its backlog was released, not kept until it reads


async def test_status_counts_subscriptions_once_whatever_their_topics(memory_hub: Hub) -> None:
    async with memory_hub.subscribe("a", "b"), memory_hub.subscribe("a"):
        status = memory_hub.status()
        assert (status["subscribers"], status["topics"], status["connected"]) == (2, 2, True)


async def test_a_failure_after_stop_starts_no_reconnect(memory_hub: Hub) -> None:
    """A call that fails once the hub stopped (a subscriber came back meanwhile) leaves the breaker closed:
    its probe would outlive the hub and swap the backend of the hub's next start under its listener."""
    await memory_hub.stop()
    memory_hub._lose(ConnectionError("a late subscribe on the closed connection"))
    assert memory_hub.breaker.closed and memory_hub.breaker.trips == 0


async def test_stop_ends_open_streams_with_a_reason(memory_hub: Hub) -> None:
    async with memory_hub.subscribe("t") as sub:
        await memory_hub.stop()
        with pytest.raises(StreamClosed, match="shutting down"):
            await asyncio.wait_for(anext(aiter(sub)), 10)


# --- Redis -----------------------------------------------------------------------------------------

@pytest.fixture
async def redis() -> AsyncIterator[RedisServer]:
    async with redis_server() as server:
        yield server


async def redis_hub(url: str) -> Hub:
    hub = Hub()
    await hub.start(url, queue_size=100, health_interval=0.3)
    return hub


@needs_redis_server
async def test_redis_delivers_from_the_first_subscription_across_hubs(redis: RedisServer) -> None:
    """Two hubs stand for two processes; the first subscription of a fresh hub must hear events."""
    a, b = await redis_hub(redis.url), await redis_hub(redis.url)
    try:
        async with b.subscribe("deals") as sub:
            await a.publish(Event("deals", "created", {"id": 1}))
            await b.publish(Event("deals", "created", {"id": 2}))
            assert [e.payload["id"] for e in await receive(sub, 2)] == [1, 2]
    finally:
        await a.stop()
        await b.stop()


async def ends_with_missed_events(sub: Subscription) -> None:
    """The stream ends saying so; events before the end are read past (a publish that timed out on a
    frozen Redis may still be delivered when it thaws: "may have been missed", not "were")."""
    events = aiter(sub)
    with pytest.raises(StreamClosed, match="events may have been missed"):
        while True:
            await asyncio.wait_for(anext(events), 20)


async def hears(hub: Hub, publisher: Hub | None = None) -> None:
    """A new subscription on `hub` receives what `publisher` (or `hub`) publishes: the hub works again."""
    async with hub.subscribe("deals") as sub:
        await (publisher or hub).publish(Event("deals", "after", {}))
        assert [e.kind for e in await receive(sub, 1)] == ["after"]


@needs_redis_server
async def test_a_lost_redis_ends_open_streams_and_the_hub_reconnects(redis: RedisServer) -> None:
    """Redis keeps nothing for a subscriber that is away: its stream ends, so it refetches."""
    hub = await redis_hub(redis.url)
    try:
        async with hub.subscribe("deals") as sub:
            redis.kill()
            await ends_with_missed_events(sub)
            status = hub.status()
            assert (status["connected"], status["circuit"]) == (False, "open") and "Connection" in str(status["lastError"])
            await hub.publish(Event("deals", "lost", {}))  # dropped with a log line, never an error
            assert hub.status()["droppedEvents"] == 1
        await redis.start()  # same port
        await until(lambda: hub.connected and hub.breaker.closed, what="the hub to reconnect")
        assert hub.status()["reconnects"] == 1
        await hears(hub)
    finally:
        await hub.stop()


@needs_redis_server
async def test_a_silent_redis_is_found_by_ping_and_reconnected(redis: RedisServer) -> None:
    """A frozen server keeps its sockets open: only the PING health check can tell."""
    hub = await redis_hub(redis.url)
    try:
        async with hub.subscribe("deals") as sub:
            redis.freeze()
            await ends_with_missed_events(sub)
            assert not hub.connected and ("PING" in str(hub.last_error) or "Timeout" in str(hub.last_error))
            redis.thaw()
        await until(lambda: hub.connected and hub.breaker.closed, what="the hub to reconnect")
        assert hub.reconnects >= 1
        await hears(hub)
    finally:
        await hub.stop()


@needs_redis_server
async def test_a_frozen_redis_costs_one_publish_a_timeout_and_the_rest_nothing(redis: RedisServer) -> None:
    hub = Hub()
    await hub.start(redis.url, queue_size=100, timeout=0.5)  # the PING check alone would take 10 s
    try:
        async with hub.subscribe("deals") as sub:
            redis.freeze()
            # The first publish times out and opens the circuit; the others are dropped at once, so all
            # are done long before 20 publishes could each have waited for the frozen Redis.
            await asyncio.wait_for(publish_all(hub, 20), 4)
            await ends_with_missed_events(sub)  # this process's subscribers missed those events
            status = hub.status()
            assert (status["circuit"], status["connected"], status["droppedEvents"]) == ("open", False, 20)
            redis.thaw()
        await until(lambda: hub.breaker.closed, what="the hub to reconnect")
        await hears(hub)
    finally:
        await hub.stop()


async def publish_all(hub: Hub, count: int) -> None:
    for n in range(count):
        await hub.publish(Event("deals", "during", {"n": n}))


@needs_redis_server
async def test_events_one_process_dropped_end_the_streams_of_the_others(redis: RedisServer) -> None:
    """The subscriber's own connection survives a short freeze (no PING fell in it), so only the
    publisher knows events were lost: it tells every process once Redis is back."""
    publisher, listener = Hub(), Hub()
    await publisher.start(redis.url, queue_size=100, timeout=0.5)
    await listener.start(redis.url, queue_size=100, health_interval=60)
    try:
        async with listener.subscribe("deals") as sub:
            redis.freeze()
            await publisher.publish(Event("deals", "dropped", {}))
            assert publisher.status()["droppedEvents"] == 1
            redis.thaw()
            await ends_with_missed_events(sub)
            assert listener.reconnects == 0 and listener.connected
        await until(lambda: publisher.breaker.closed, what="the publisher to reconnect")
        await hears(listener, publisher)
    finally:
        await publisher.stop()
        await listener.stop()


@needs_redis_server
async def test_streams_opened_while_redis_is_down_end_when_it_is_back(redis: RedisServer) -> None:
    """They could not hear what other processes published meanwhile: they end, and resubscribe."""
    hub = await redis_hub(redis.url)
    try:
        redis.kill()
        await until(lambda: not hub.connected, what="the hub to notice the lost connection")
        async with hub.subscribe("late") as sub:
            await redis.start()
            await ends_with_missed_events(sub)
        assert hub.connected
        await hears(hub)
    finally:
        await hub.stop()


@needs_redis_server
async def test_a_server_started_while_redis_is_down_serves_degraded_and_connects_later() -> None:
    redis = RedisServer()  # its port is chosen, nothing listens yet
    hub = await redis_hub(redis.url)
    try:
        status = hub.status()
        assert (status["connected"], status["circuit"]) == (False, "open") and status["lastError"]
        async with hub.subscribe("deals") as sub:
            await redis.start()
            await ends_with_missed_events(sub)
        await until(lambda: hub.breaker.closed, what="the hub to connect")
        await hears(hub)
    finally:
        await hub.stop()
        redis.kill()


async def test_an_unknown_broadcast_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="CRM_BROADCAST_URL"):
        await Hub().start("kafka://somewhere", queue_size=10)
