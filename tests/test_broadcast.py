"""The hub: ordered delivery, bounded queues, and a Redis backend that survives a lost connection.

The Redis cases run against a redis-server of their own (killed, restarted, frozen), so they need the
binary but no running service; they use their own Hub, not the process-wide one of the db fixture.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.broadcast import Hub, StreamClosed, Subscription
from backend.events import Event
from tests.servers import REDIS_SERVER, RedisServer, redis_server, until

needs_redis_server = pytest.mark.skipif(not Path(REDIS_SERVER).exists(), reason=f"{REDIS_SERVER} not installed")


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


@needs_redis_server
async def test_redis_restart_is_survived_and_open_streams_resume(redis: RedisServer) -> None:
    hub = await redis_hub(redis.url)
    try:
        async with hub.subscribe("deals") as sub:
            redis.kill()
            await until(lambda: not hub.connected, what="the hub to notice the lost connection")
            await hub.publish(Event("deals", "lost", {}))  # dropped with a log line, never an error
            await redis.start()  # same port
            await until(lambda: hub.connected, what="the hub to reconnect")
            status = hub.status()
            assert status["reconnects"] == 1 and "Connection" in str(status["lastError"])
            await hub.publish(Event("deals", "after", {"n": 1}))
            assert [e.kind for e in await receive(sub, 1)] == ["after"]
    finally:
        await hub.stop()


@needs_redis_server
async def test_a_silent_redis_is_found_by_ping_and_reconnected(redis: RedisServer) -> None:
    """A frozen server keeps its sockets open: only the PING health check can tell."""
    hub = await redis_hub(redis.url)
    try:
        async with hub.subscribe("deals") as sub:
            redis.freeze()
            await until(lambda: not hub.connected, what="the health check to fail")
            assert "PING" in str(hub.last_error) or "Timeout" in str(hub.last_error)
            redis.thaw()
            await until(lambda: hub.connected, what="the hub to reconnect")
            assert hub.reconnects >= 1
            await hub.publish(Event("deals", "after", {}))
            assert [e.kind for e in await receive(sub, 1)] == ["after"]
    finally:
        await hub.stop()


@needs_redis_server
async def test_subscribers_joining_while_redis_is_down_are_subscribed_on_reconnect(redis: RedisServer) -> None:
    hub = await redis_hub(redis.url)
    try:
        redis.kill()
        await until(lambda: not hub.connected, what="the hub to notice the lost connection")
        async with hub.subscribe("late") as sub:
            await redis.start()
            await until(lambda: hub.connected, what="the hub to reconnect")
            await hub.publish(Event("late", "hello", {}))
            assert [e.kind for e in await receive(sub, 1)] == ["hello"]
    finally:
        await hub.stop()


@needs_redis_server
async def test_a_server_started_while_redis_is_down_serves_degraded_and_connects_later() -> None:
    redis = RedisServer()  # its port is chosen, nothing listens yet
    hub = await redis_hub(redis.url)
    try:
        assert hub.status()["connected"] is False and hub.last_error
        async with hub.subscribe("deals") as sub:
            await redis.start()
            await until(lambda: hub.connected, what="the hub to connect")
            await hub.publish(Event("deals", "first", {}))
            assert [e.kind for e in await receive(sub, 1)] == ["first"]
    finally:
        await hub.stop()
        redis.kill()


async def test_an_unknown_broadcast_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="CRM_BROADCAST_URL"):
        await Hub().start("kafka://somewhere", queue_size=10)
