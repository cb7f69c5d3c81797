"""Subscription events are executed once per event object, document, variables and view, except errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from backend.auth.actor import Actor
from backend.graphql.shared_events import SharedEventExecutor, event_results
from backend.models import Role
from backend.resolvers.streams import FanOut


def watcher(user_id: int, role: Role = Role.ADMIN) -> Actor:
    return Actor(user_id=user_id, email=f"u{user_id}@example.com", name="U", role=role, team_id=None, via="api")


class Ctx:
    def __init__(self, actor: Actor) -> None:
        self.actor = actor


@strawberry.type
class Tick:
    n: int
    calls: strawberry.Private[list[int]]

    @strawberry.field
    def value(self) -> int:
        self.calls.append(self.n)
        if len(self.calls) == 1 and self.n < 0:
            raise ValueError("the first execution fails")
        return abs(self.n)


def tiny_schema(ticks: list[Tick], gate: asyncio.Event) -> strawberry.Schema:
    @strawberry.type
    class Query:
        ok: bool = True

    @strawberry.type
    class Subscription:
        @strawberry.subscription
        async def ticks(self, scale: int = 1) -> AsyncGenerator[Tick, None]:
            await gate.wait()
            for tick in ticks:
                yield tick  # the same object for every subscriber, as streams.FanOut hands it out

    return strawberry.Schema(query=Query, subscription=Subscription, execution_context_class=SharedEventExecutor)


async def first_results(schema: strawberry.Schema, subscribers: list[tuple[Actor, str, dict[str, Any]]], gate: asyncio.Event) -> list[Any]:
    streams = [await schema.subscribe(doc, variable_values=variables, context_value=Ctx(who)) for who, doc, variables in subscribers]
    pending = [asyncio.ensure_future(stream.__anext__()) for stream in streams]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*pending)
    for stream in streams:
        await stream.aclose()
    return results


DOC = "subscription($scale: Int) { ticks(scale: $scale) { value } }"


async def test_equal_subscribers_share_an_execution_and_others_do_not() -> None:
    calls: list[int] = []
    gate = asyncio.Event()
    schema = tiny_schema([Tick(n=7, calls=calls)], gate)
    before = event_results.computed
    subscribers = [(watcher(1), DOC, {}), (watcher(2), DOC, {}), (watcher(3), DOC, {})]  # admins see the same
    subscribers += [
        (watcher(4, Role.SUPPORT), DOC, {}), (watcher(5), DOC, {"scale": 2}), (watcher(6), "subscription { ticks { value } }", {})
    ]
    results = await first_results(schema, subscribers, gate)
    assert [r.data for r in results] == [{"ticks": {"value": 7}}] * 6
    assert event_results.computed - before == 4  # three admins alike; another role; other variables; another document
    assert len(calls) == 4


async def test_an_execution_with_errors_is_not_handed_to_the_others() -> None:
    calls: list[int] = []
    gate = asyncio.Event()
    schema = tiny_schema([Tick(n=-3, calls=calls)], gate)
    results = await first_results(schema, [(watcher(1), DOC, {}), (watcher(2), DOC, {}), (watcher(3), DOC, {})], gate)
    failed = [r for r in results if r.errors]
    assert len(failed) == 1 and "first execution fails" in failed[0].errors[0].message
    assert [r.data for r in results if not r.errors] == [{"ticks": {"value": 3}}] * 2
    assert len(calls) == 3  # the failed one, then each other subscriber for itself


async def test_when_the_subscriber_computing_a_shared_result_leaves_a_waiting_one_computes_it() -> None:
    fan_out = FanOut()
    started, release = asyncio.Event(), asyncio.Event()
    runs: list[str] = []

    async def compute(who: str) -> str:
        runs.append(who)
        started.set()
        await release.wait()
        return f"computed by {who}"

    first = asyncio.ensure_future(fan_out.once("event", lambda: compute("first")))
    await started.wait()
    second = asyncio.ensure_future(fan_out.once("event", lambda: compute("second")))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    assert await second == "computed by second"
    assert runs == ["first", "second"] and first.cancelled()
