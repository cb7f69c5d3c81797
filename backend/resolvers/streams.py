"""What every live stream shares: it ends when its subscriber loses access or falls behind, and its
subscribers share the work an event causes (one visibility query per event and audience).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, TypeVar

from backend import permissions
from backend.auth.actor import Actor
from backend.auth.liveness import watcher
from backend.errors import CrmError, Unauthenticated
from backend.live import topics
from backend.live.broadcast import StreamClosed, Subscription, hub
from backend.live.events import Event, Payload, SessionEnded, TokenRevoked, UserAccessChanged
from backend.reads.context import Context

T = TypeVar("T")
P = TypeVar("P", bound=Payload)
R = TypeVar("R")


class StreamEnded(CrmError):
    """The server ended a stream that was working: its subscriber fell behind, or the server stops.
    Resubscribing (and refetching what may have been missed) is the remedy."""

    code = "STREAM_CLOSED"

    def __init__(self, reason: str) -> None:
        super().__init__(f"Stream closed: {reason}", reason=reason)
        self.reason = reason


def revokes(event: Event, actor: Actor) -> bool:
    """Whether an access_revoked event is about this actor's session, token or user."""
    match event.data:
        case UserAccessChanged(user_id=user_id):
            return user_id == actor.user_id
        case SessionEnded(session_id=session_id):
            return session_id == actor.session_id
        case TokenRevoked(token_id=token_id):
            return token_id == actor.token_id
    return False


def subscriber(context: Context) -> Actor:
    """The signed-in user behind a subscription: streams are never anonymous, nor the system's."""
    actor = context.actor
    permissions.require_role(actor)
    if not actor.signed_in:
        raise Unauthenticated()
    return actor


@asynccontextmanager
async def listen(context: Context, *topic_names: str) -> AsyncIterator[AsyncIterator[Event]]:
    """`async with listen(info.context, topic) as events: async for event in events: …`

    Registered before the body runs. The events end with UNAUTHENTICATED once the subscriber's
    session is signed out, token revoked or user deactivated (or changed role or team: clients
    reconnect with their new rights); from then on the connection acts as nobody, so a new
    subscription on it needs a new sign-in. They end with STREAM_CLOSED when the subscriber fell
    behind or events may have been missed (Redis failed). `context.subscribed`, if set, is called
    once the subscription is registered.
    """
    actor = subscriber(context)
    async with hub.subscribe(*topic_names, topics.access_revoked()) as subscription:
        if context.subscribed is not None:
            context.subscribed()
        events = _events(subscription, context, actor)
        try:
            yield events
        finally:
            await events.aclose()


async def _events(subscription: Subscription, context: Context, actor: Actor) -> AsyncGenerator[Event, None]:
    revoked_topic = topics.access_revoked()
    try:
        async for event in subscription:
            # The periodic re-check's last finding costs nothing to ask; with pub/sub lost it is all we hear.
            if (reason := watcher.ended(actor)) is not None:
                raise Unauthenticated(f"{reason}; stream closed")
            if event.topic != revoked_topic:
                yield event
            elif revokes(event, actor):
                watcher.nudge()  # the connection itself is closed by the re-check, on every process
                if context.actor is actor:
                    context.switch_actor(Actor.anonymous())
                raise Unauthenticated("Your access ended (signed out, token revoked or account changed); stream closed")
    except StreamClosed as closed:
        raise StreamEnded(closed.reason) from None


class _Abandoned(Exception):
    """The subscriber computing a shared result was cancelled: one of those waiting computes it anew."""


class FanOut:
    """Per process: work for one event done once per audience, however many subscribers share it.

    `await fan_out.once((event.id, audience), compute)` runs `compute` for the first subscriber and
    hands its result (or its exception) to every other; recent keys are kept, older ones forgotten.
    The first subscriber computes in its own task, not a new one: when `compute` does not have to wait
    (a selection over rows already loaded), its result is there before the others are even woken, and
    each of them finds it done, so one event reaches 1,000 subscribers in one pass of the event loop.
    """

    def __init__(self, keep: int = 512) -> None:
        self._keep = keep
        self._results: OrderedDict[Hashable, asyncio.Future[Any]] = OrderedDict()
        self.computed = 0  # how often `compute` ran (tests check the sharing with it)

    def done(self, key: Hashable) -> asyncio.Future[Any] | None:
        """The finished future of `key`, if there is one: subscribers that come after it need not wait."""
        future = self._results.get(key)
        return future if future is not None and future.done() else None

    async def once(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        future = self._results.get(key)
        if future is None:
            return await self._compute(key, compute)
        if not future.done():
            try:
                await asyncio.shield(future)  # a waiter cancelled must not cancel the others' result
            except _Abandoned:
                return await self.once(key, compute)
        return future.result()

    async def _compute(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._results[key] = future
        while len(self._results) > self._keep:
            self._results.popitem(last=False)
        self.computed += 1
        try:
            result = await compute()
        except Exception as error:
            self._settle(future, error)
            raise
        except BaseException:  # cancelled (the subscriber left): the result is nobody's yet
            if self._results.get(key) is future:
                del self._results[key]
            self._settle(future, _Abandoned())
            raise
        future.set_result(result)
        return result

    @staticmethod
    def _settle(future: asyncio.Future[Any], error: BaseException) -> None:
        future.set_exception(error)
        future.exception()  # retrieved here: with no one waiting, asyncio would log it as lost


async def seen_rows(context: Context, topic: str, kind: type[P], fan_out: FanOut,
                    read: Callable[[Actor, P], Awaitable[R | None]]) -> AsyncIterator[tuple[P, R]]:
    """The events of `kind` on `topic` with the row each is about, read through the subscriber's row rules
    (`read`) once per event and audience in this process; rows out of sight are skipped, not even their id told."""
    async with listen(context, topic) as events:
        audience = permissions.audience(context.actor)
        async for event in events:
            if not isinstance(payload := event.data, kind):
                continue
            row = await fan_out.once((event.id, audience), partial(read, context.actor, payload))
            if row is not None:
                yield payload, row
