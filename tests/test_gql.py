"""The UI's door to data, frontend/gql.py: how a screen's live stream gets through a Redis outage
without a browser (use_live is gql.follow with the screen's reload as its callbacks)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from backend.auth.actor import Actor
from backend.auth.callers import callers
from backend.live import topics
from backend.live.broadcast import hub
from backend.live.broadcast_redis import HEALTH_INTERVAL
from backend.models import Role
from backend.settings import get_settings
from frontend import gql
from tests.factories import actor, make_customer, make_deal, make_user
from tests.servers import RedisServer, needs_redis_server, redis_server, until

WATCH = "subscription { dealChanged { kind deal { title } } }"


@pytest.fixture
async def redis_hub(db: str) -> AsyncIterator[RedisServer]:
    """The process's hub on a redis-server of the test's own, for one test."""
    async with redis_server() as redis:
        await switch_hub(redis.url, queue_size=100, health_interval=0.3)
        try:
            yield redis
        finally:
            await switch_hub("memory://", get_settings().subscriber_queue)


async def switch_hub(url: str, queue_size: int, health_interval: float = HEALTH_INTERVAL) -> None:
    """The hub restarted on `url` as a server stops and starts: the caller cache's listening first out and
    last in. Left listening, it subscribed again into the stopping hub, and that call's failure on the closing
    Redis connection started a reconnect probe that outlived the hub (the hub now refuses that too)."""
    await callers.stop()
    await hub.stop()
    await hub.start(url, queue_size, health_interval=health_interval)
    await callers.start()


def titles(events: list[dict[str, Any]]) -> list[str]:
    return [e["dealChanged"]["deal"]["title"] for e in events]


@needs_redis_server
async def test_a_live_screen_subscribes_again_after_a_redis_outage_and_refetches_once_subscribed(redis_hub):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    events: list[dict[str, Any]] = []
    refetches: list[tuple[bool, int]] = []  # (Redis connected, deal subscribers) when the screen refetched

    def refetch() -> None:
        refetches.append((hub.connected, hub.subscriber_count(topics.deals())))

    following = asyncio.create_task(gql.follow(actor(admin), WATCH, {}, events.append, refetch))
    try:
        await until(lambda: hub.subscriber_count(topics.deals()) == 1, what="the first subscription")
        await make_deal(admin, customer["id"], title="Before")
        await until(lambda: titles(events) == ["Before"], what="the first event")
        assert refetches == []  # the screen has just loaded its data

        redis_hub.kill()  # the stream ends: events may be missed from now on
        await until(lambda: refetches, what="a subscription again while Redis is down")
        await redis_hub.start()
        await until(lambda: any(connected for connected, _ in refetches), what="a subscription again once Redis is back")
        # Every refetch came after the new subscription was registered: no event can fall in between.
        assert all(subscribers == 1 for _, subscribers in refetches)

        await make_deal(admin, customer["id"], title="After")
        await until(lambda: titles(events)[-1:] == ["After"], what="events to flow again")
        assert not following.done()
    finally:
        following.cancel()
        await asyncio.gather(following, return_exceptions=True)


async def test_following_stops_with_the_error_when_subscribing_again_cannot_help(db):
    refetches: list[None] = []
    error = await asyncio.wait_for(
        gql.follow(Actor.anonymous(), WATCH, {}, lambda _: None, lambda: refetches.append(None)), 10)
    assert error.code == "UNAUTHENTICATED" and refetches == []
