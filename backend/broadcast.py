"""Fan-out of events to subscribers, in this process (`memory://`) or across processes (`redis://`).

broadcaster supplies the memory backend; this hub adds what broadcaster lacks (STACK.md): a bounded
queue per subscriber that closes a subscriber falling too far behind, a Redis backend that notices a
lost or silent connection (broadcast_redis.py), and a listener that reconnects with backoff and
re-subscribes every topic.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlparse

from broadcaster._backends.memory import MemoryBackend

from backend.broadcast_redis import CONNECT_TIMEOUT, HEALTH_INTERVAL, Backend, RedisBackend
from backend.events import Event

log = logging.getLogger("crm.broadcast")


class StreamClosed(Exception):
    """The stream of a subscriber ended: it fell behind, or the server is stopping. `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_CLOSE = object()


class Subscription:
    """One subscriber's events, in order, through a bounded queue."""

    def __init__(self, topics: tuple[str, ...], maxsize: int) -> None:
        self.topics = topics
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
            yield item  # type: ignore[misc]


SCHEMES = ("memory", "redis", "rediss")


def _backend(url: str, health_interval: float) -> Backend:
    scheme = urlparse(url).scheme
    if scheme in ("redis", "rediss"):
        return RedisBackend(url, health_interval)
    if scheme == "memory":
        return MemoryBackend(url)  # type: ignore[return-value]
    raise ValueError(f"CRM_BROADCAST_URL: unsupported scheme {scheme!r} (use memory:// or redis://)")


class Hub:
    """The process's one connection to the broadcast backend, shared by every subscriber."""

    def __init__(self) -> None:
        self.url = "memory://"
        self.queue_size = 1000
        self.health_interval = HEALTH_INTERVAL
        self._backend: Backend | None = None
        self._subs: dict[str, set[Subscription]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._lock = asyncio.Lock()  # backend (un)subscriptions and reconnects, one at a time
        self._changed = asyncio.Condition()
        self.reconnects = 0
        self.last_error: str | None = None

    async def start(self, url: str, queue_size: int, health_interval: float = HEALTH_INTERVAL) -> None:
        """Connect and listen. A Redis that is down does not stop the server: it serves, degraded
        (/healthz says so), and the listener keeps trying to connect."""
        if urlparse(url).scheme not in SCHEMES:
            raise ValueError(f"CRM_BROADCAST_URL: unsupported scheme in {url!r} (use memory:// or redis://)")
        self.url, self.queue_size, self.health_interval = url, queue_size, health_interval
        self.reconnects, self.last_error = 0, None
        self._lock, self._changed, self._connected = asyncio.Lock(), asyncio.Condition(), asyncio.Event()
        failure: Exception | None = None
        try:
            await self._connect()
        except Exception as exc:
            failure, self.last_error = exc, f"{type(exc).__name__}: {exc}"
        self._listener = asyncio.create_task(self._listen(failure), name="crm-broadcast-listener")

    async def stop(self) -> None:
        if self._listener:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        for sub in self._all_subscriptions():
            sub.close("the server is shutting down")
        if self._backend:
            try:
                await self._backend.disconnect()
            except Exception:  # a dead Redis connection cannot be closed cleanly
                pass
        self._backend = None
        self._subs.clear()
        self._connected.clear()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def status(self) -> dict[str, object]:
        """What /healthz reports."""
        return {
            "backend": urlparse(self.url).scheme,
            "connected": self._connected.is_set(),
            "reconnects": self.reconnects,
            "subscribers": len(self._all_subscriptions()),
            "topics": len(self._subs),
            "lastError": self.last_error,
        }

    def _all_subscriptions(self) -> set[Subscription]:
        return {sub for subs in self._subs.values() for sub in subs}

    async def _connect(self) -> None:
        async with self._lock:
            backend = _backend(self.url, self.health_interval)
            try:
                # Bounded: a Redis that accepts TCP but never answers must not hang the reconnect loop.
                await asyncio.wait_for(backend.connect(), timeout=CONNECT_TIMEOUT)
                for topic in list(self._subs):
                    await backend.subscribe(topic)
            except BaseException:
                try:
                    await backend.disconnect()
                except Exception:
                    pass
                raise
            self._backend = backend
            self._connected.set()

    async def _listen(self, failure: Exception | None) -> None:
        while True:
            if failure is not None:  # Redis went away: reconnect and re-subscribe, keep the streams
                await self._reconnect(failure)
                failure = None
            assert self._backend is not None
            try:
                message = await self._backend.next_published()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failure = exc
                continue
            self._dispatch(message.channel, message.message)

    async def _reconnect(self, cause: Exception) -> None:
        """Events published while the connection is down are lost (Redis pub/sub keeps nothing)."""
        self._connected.clear()
        self.last_error = f"{type(cause).__name__}: {cause}"
        log.warning("broadcast backend lost (%s); reconnecting", self.last_error)
        old, delay = self._backend, 0.1
        if old is not None:
            try:
                await old.disconnect()
            except Exception:
                pass
        while True:
            await asyncio.sleep(delay)  # backoff between attempts, not a synchronisation
            try:
                await self._connect()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                delay = min(delay * 2, 5.0)
                continue
            self.reconnects += 1
            log.warning("broadcast backend reconnected (%d reconnects so far)", self.reconnects)
            return

    def _dispatch(self, topic: str, message: str) -> None:
        subs = self._subs.get(topic)
        if not subs:
            return
        event = Event.decode(topic, message)  # one object for all: subscribers share work by its id
        for sub in list(subs):
            sub.offer(event)

    async def publish(self, event: Event) -> None:
        if self._listener is None:
            return  # no server running (CLI, seeding): nobody can be listening in this process
        if not self._connected.is_set():
            # Committed already; waiting for Redis would only slow the mutation down.
            log.error("broadcast down: %s on %s not published", event.kind, event.topic)
            return
        assert self._backend is not None
        try:
            await self._backend.publish(event.topic, event.encode())
        except Exception as exc:  # the write is committed; a lost event must not turn it into an error
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.error("could not publish %s on %s: %s", event.kind, event.topic, exc)

    @asynccontextmanager
    async def subscribe(self, *topics: str, queue_size: int | None = None) -> AsyncIterator[Subscription]:
        """Registered on every topic (confirmed by Redis) before the body runs: nothing published
        afterwards, by any process, is missed."""
        sub = Subscription(topics, queue_size or self.queue_size)
        try:
            for topic in topics:
                first = topic not in self._subs
                self._subs.setdefault(topic, set()).add(sub)
                if first:
                    await self._backend_call("subscribe", topic)
                else:
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
        async with self._lock:
            if self._backend is None or not self._connected.is_set():
                return  # the reconnect re-subscribes every topic in use
            if (action == "subscribe") != (topic in self._subs):
                return  # overtaken: the topic gained or lost its subscribers meanwhile
            try:
                await getattr(self._backend, action)(topic)
            except Exception as exc:  # the reader sees the same failure and the listener reconnects
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("broadcast %s %s failed: %s", action, topic, exc)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def subscriber_count(self, topic: str) -> int:
        """Subscribers registered (and confirmed by the backend) on `topic`."""
        return sum(1 for sub in self._subs.get(topic, ()) if sub.ready.is_set())

    async def wait_for_subscribers(self, topic: str, count: int = 1) -> None:
        """Until `topic` has at least `count` subscribers: tests wait for this instead of sleeping."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.subscriber_count(topic) >= count)


hub = Hub()


async def publish_all(events: list[Event]) -> None:
    for event in events:
        await hub.publish(event)
