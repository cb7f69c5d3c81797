"""Fan-out of events to subscribers, in this process (`memory://`) or across processes (`redis://`).

Built on our own backends (broadcast_redis.py), with what the `broadcaster` package lacked (STACK.md): a
bounded queue per subscriber that closes a subscriber falling too far behind, a Redis backend that notices
a lost or silent connection, and a circuit breaker (breaker.py): after any Redis
failure, streams end with "events may have been missed", publishes are dropped without waiting, and a
background probe reconnects and re-subscribes every topic.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from urllib.parse import urlparse

from backend.breaker import Breaker
from backend.live.broadcast_redis import CONNECT_TIMEOUT, HEALTH_INTERVAL, Backend, MemoryBackend, RedisBackend
from backend.live.events import Event

log = logging.getLogger("crm.broadcast")


class StreamClosed(Exception):
    """The stream of a subscriber ended: it fell behind, events may have been missed (Redis failed), or
    the server is stopping. `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_CLOSE = object()
REDIS_TIMEOUT = 2.0  # seconds a publish or subscribe may take (CRM_REDIS_TIMEOUT)
GAP_TOPIC = "crm.broadcast.gap"  # the hubs' own channel: "events were dropped here, refetch"
MISSED = "events may have been missed (the broadcast was interrupted); refetch, then subscribe again"
SHUTDOWN = "the server is shutting down"


class Subscription:
    """One subscriber's events, in order, through a bounded queue."""

    def __init__(self, topics: tuple[str, ...], maxsize: int, counted: bool = True) -> None:
        self.topics = topics
        self.counted = counted  # a client's stream, not the server's own listening (auth/callers.py)
        self.queue: asyncio.Queue[object] = asyncio.Queue(maxsize=maxsize + 1)  # + room for the close mark
        self.maxsize = maxsize
        self.closed_reason: str | None = None
        self.ready = asyncio.Event()

    def offer(self, event: Event) -> None:
        if self.closed_reason:
            return
        if self.queue.qsize() >= self.maxsize:
            self.close(f"this subscriber fell more than {self.maxsize} events behind and was closed; resubscribe")
            return
        self.queue.put_nowait(event)

    def close(self, reason: str) -> None:
        """End the stream now; events still queued are dropped (the subscriber would read them too late)."""
        if self.closed_reason:
            return
        self.closed_reason = reason
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(_CLOSE)

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            item = await self.queue.get()
            if item is _CLOSE:
                raise StreamClosed(self.closed_reason or "closed")
            yield item  # type: ignore[misc]  # the queue holds Events and the _CLOSE sentinel, which ends above


SCHEMES = ("memory", "redis", "rediss")


async def _quietly(closing: Awaitable[None]) -> None:
    try:
        await closing
    except Exception:  # closing a dead connection may fail; it is being dropped anyway
        pass


def _backend(url: str, health_interval: float) -> Backend:
    scheme = urlparse(url).scheme
    if scheme in ("redis", "rediss"):
        return RedisBackend(url, health_interval)
    if scheme == "memory":
        return MemoryBackend()
    raise ValueError(f"CRM_BROADCAST_URL: unsupported scheme {scheme!r} (use memory:// or redis://)")


class Hub:
    """The process's one connection to the broadcast backend, shared by every subscriber.

    Any Redis failure (a lost or silent subscription connection, a publish or subscribe that fails or
    times out) opens the hub's circuit: every stream here ends with "events may have been missed",
    publishes are dropped at once instead of waiting (the write is committed already), and the
    breaker's probe reconnects in the background. The reconnect re-subscribes every topic, ends the
    streams opened during the outage (what others published meanwhile is gone) and, when this process
    dropped events, tells every other process (GAP_TOPIC), whose subscribers could not know otherwise.
    """

    def __init__(self) -> None:
        self.url = "memory://"
        self.queue_size = 1000
        self.health_interval = HEALTH_INTERVAL
        self.timeout = REDIS_TIMEOUT
        self._backend: Backend | None = None
        self._subs: dict[str, set[Subscription]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._lock = asyncio.Lock()  # backend (un)subscriptions and reconnects, one at a time
        self._changed = asyncio.Condition()
        self._origin = uuid.uuid4().hex  # names this process in gap notices
        self.breaker = Breaker("broadcast", self._reconnect)
        self._running = False  # between start() and stop()
        self.reconnects = 0
        self.dropped = 0  # events this process could not publish
        self._announced = 0  # of those, how many the other processes were told about

    async def start(self, url: str, queue_size: int, health_interval: float = HEALTH_INTERVAL,
                    timeout: float = REDIS_TIMEOUT) -> None:
        """Connect and listen. A Redis that is down does not stop the server: it serves, degraded
        (/healthz says so), and the breaker keeps trying to connect."""
        if urlparse(url).scheme not in SCHEMES:
            raise ValueError(f"CRM_BROADCAST_URL: unsupported scheme in {url!r} (use memory:// or redis://)")
        self.url, self.queue_size, self.health_interval, self.timeout = url, queue_size, health_interval, timeout
        self.reconnects = self.dropped = self._announced = 0
        self._lock, self._changed, self._connected = asyncio.Lock(), asyncio.Condition(), asyncio.Event()
        self.breaker = Breaker("broadcast", self._reconnect)
        self._running = True
        try:
            await self._connect()
        except Exception as exc:
            self._lose(exc)
        self._listener = asyncio.create_task(self._listen(), name="crm-broadcast-listener")

    async def stop(self) -> None:
        self._running = False
        if self._listener:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        await self.breaker.stop()
        self._end_streams(SHUTDOWN)
        if self._backend:
            await _quietly(self._backend.disconnect())
        self._backend = None
        self._subs.clear()
        self._connected.clear()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def last_error(self) -> str | None:
        return self.breaker.last_error

    def status(self) -> dict[str, object]:
        """What /healthz reports."""
        return {
            "backend": urlparse(self.url).scheme,
            "connected": self._connected.is_set(),
            **self.breaker.status(),
            "reconnects": self.reconnects,
            "droppedEvents": self.dropped,
            "subscribers": sum(1 for sub in self._all_subscriptions() if sub.counted),
            "topics": len(self._subs),
        }

    def _all_subscriptions(self) -> set[Subscription]:
        return {sub for subs in self._subs.values() for sub in subs}

    def _end_streams(self, reason: str) -> None:
        for sub in self._all_subscriptions():
            sub.close(reason)

    async def _connect(self) -> None:
        """A fresh backend subscribed to every topic in use; the old one, if any, is dropped first."""
        async with self._lock:
            old, self._backend = self._backend, None
            self._connected.clear()
            if old is not None:
                await _quietly(old.disconnect())  # its reader's last word is ignored: it is not current
            backend = _backend(self.url, self.health_interval)
            try:
                # Bounded: a Redis that accepts TCP but never answers must not hang the probe.
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    await backend.connect()
                    for topic in (GAP_TOPIC, *self._subs):
                        await backend.subscribe(topic)
                    if self.dropped > self._announced:
                        await backend.publish(GAP_TOPIC, json.dumps({"origin": self._origin}))
            except BaseException:
                await _quietly(backend.disconnect())
                raise
            self._announced = self.dropped
            self._backend = backend
            self._connected.set()

    async def _reconnect(self) -> None:
        """The breaker's probe."""
        await self._connect()
        self.reconnects += 1
        self._end_streams(MISSED)  # those opened during the outage
        log.warning("broadcast backend reconnected (%d reconnects so far)", self.reconnects)

    def _lose(self, cause: BaseException) -> None:
        """Redis failed: end every stream (events may be missed from now on) and reconnect in the background."""
        if not self._running:
            # Stopped or stopping: a late call's failure (a subscriber that came back while the hub stopped)
            # must not start a probe that would outlive the hub and swap the backend of its next start.
            return
        if self.breaker.closed:
            self._connected.clear()
            log.warning("broadcast backend lost (%s: %s); reconnecting", type(cause).__name__, cause)
            self._end_streams(MISSED)
        self.breaker.trip(cause)

    async def _listen(self) -> None:
        while True:
            await self._connected.wait()
            backend = self._backend
            assert backend is not None
            try:
                message = await backend.next_published()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if backend is self._backend:  # not the farewell of a backend already replaced
                    self._lose(exc)
                continue
            if message.channel == GAP_TOPIC:
                if json.loads(message.message).get("origin") != self._origin:
                    self._end_streams(MISSED)
            else:
                self._dispatch(message.channel, message.message)

    def _dispatch(self, topic: str, message: str) -> None:
        subs = self._subs.get(topic)
        if not subs:
            return
        event = Event.decode(topic, message)  # one object for all: subscribers share work by its id
        for sub in list(subs):
            sub.offer(event)

    async def publish(self, event: Event) -> None:
        """Never raises and never waits longer than one timeout: the write is committed already, and a
        lost event is made known to subscribers (their streams end) rather than to the writer."""
        if self._listener is None:
            return  # no server running (CLI, seeding): nobody can be listening in this process
        backend = self._backend
        if backend is None or not self._connected.is_set() or not self.breaker.closed:
            self._drop(event, "the broadcast is down")
            return
        try:
            async with asyncio.timeout(self.timeout):
                await backend.publish(event.topic, event.encode())
        except Exception as exc:
            self._drop(event, f"{type(exc).__name__}: {exc}")
            if backend is self._backend:
                self._lose(exc)

    def _drop(self, event: Event, why: str) -> None:
        self.dropped += 1
        # Once per outage: under load an outage drops thousands; /healthz counts them all.
        level = logging.ERROR if self.dropped == self._announced + 1 else logging.DEBUG
        log.log(level, "%s on %s not published (%s); dropping events until Redis is back", event.kind,
                event.topic, why)

    @asynccontextmanager
    async def subscribe(self, *topics: str, queue_size: int | None = None,
                        counted: bool = True) -> AsyncIterator[Subscription]:
        """Registered on every topic (confirmed by Redis) before the body runs: nothing published
        afterwards, by any process, is missed. While Redis is away the body runs at once and the
        stream ends when Redis is back (it cannot know what it missed). `counted`: a client's stream,
        counted in /healthz and `subscriber_count`; the server's own listening is not."""
        sub = Subscription(topics, queue_size or self.queue_size, counted)
        try:
            for topic in topics:
                first = topic not in self._subs
                self._subs.setdefault(topic, set()).add(sub)
                if first:
                    await self._backend_call("subscribe", topic)
                elif self._connected.is_set():
                    async with self._lock:  # the first subscriber's backend subscribe (queued before) is done
                        pass
            sub.ready.set()
            await self._notify()
            yield sub
        finally:
            for topic in topics:
                subs = self._subs.get(topic)
                if subs is None:
                    continue
                subs.discard(sub)
                if not subs:
                    del self._subs[topic]
                    await self._backend_call("unsubscribe", topic)
            await self._notify()

    async def _backend_call(self, action: str, topic: str) -> None:
        if not self._connected.is_set():
            return  # not even waiting for the lock: a probe may hold it for a whole connect timeout
        async with self._lock:
            backend = self._backend
            if backend is None or not self._connected.is_set():
                # The reconnect subscribes every topic in use; one added while it ran ends with the
                # streams the reconnect ends, and is subscribed when its subscriber comes back.
                return
            if (action == "subscribe") != (topic in self._subs):
                return  # overtaken: the topic gained or lost its subscribers meanwhile
            try:
                async with asyncio.timeout(self.timeout):
                    await getattr(backend, action)(topic)
            except Exception as exc:
                log.warning("broadcast %s %s failed: %s", action, topic, exc)
                self._lose(exc)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def subscriber_count(self, topic: str) -> int:
        """Subscribers registered (and confirmed by the backend) on `topic`."""
        return sum(1 for sub in self._subs.get(topic, ()) if sub.ready.is_set() and sub.counted)

    async def wait_for_subscribers(self, topic: str, count: int = 1) -> None:
        """Until `topic` has at least `count` subscribers: tests wait for this instead of sleeping."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.subscriber_count(topic) >= count)


hub = Hub()


async def publish_all(events: list[Event]) -> None:
    for event in events:
        await hub.publish(event)
