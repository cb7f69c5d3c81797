"""Fan-out of events to subscribers, in this process (`memory://`) or across processes (`redis://`).

broadcaster supplies the memory backend; this hub adds what broadcaster lacks (STACK.md): a bounded
queue per subscriber that closes a subscriber falling too far behind, a Redis backend that notices a
lost or silent connection, and a listener that reconnects with backoff and re-subscribes every topic.

broadcaster 0.3.1's own RedisBackend is not used: with redis-py 8 its reader task sees no channel yet
when the first subscribe is sent, stops, and never reads again, so the first subscription hears
nothing; and when the connection drops that task dies while `next_published()` waits forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol
from urllib.parse import urlparse

from broadcaster._backends.memory import MemoryBackend
from broadcaster._base import Event as Message
from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from backend.events import Event

log = logging.getLogger("crm.broadcast")

HEALTH_INTERVAL = 5.0  # seconds of silence on the Redis subscription before it is PINGed
CONNECT_TIMEOUT = 5.0


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


class Backend(Protocol):
    async def connect(self) -> None: ...
    async def disconnect(self) -> None: ...
    async def subscribe(self, channel: str) -> None: ...
    async def unsubscribe(self, channel: str) -> None: ...
    async def publish(self, channel: str, message: str) -> None: ...
    async def next_published(self) -> Message: ...


class RedisBackend:
    """Redis pub/sub whose failures reach `next_published()` as exceptions, never as silence.

    One reader task reads the subscription connection; `subscribe()` returns once Redis confirmed the
    channel, so an event published afterwards by any process is delivered. After `health_interval`
    seconds without traffic the reader PINGs; no answer within another interval counts as a lost
    connection (a half-open TCP connection never reports an error by itself). redis-py's own retries
    are off: the hub reconnects, re-subscribes and counts it.
    """

    def __init__(self, url: str, health_interval: float = HEALTH_INTERVAL) -> None:
        self._url = url
        self._health_interval = health_interval
        self._queue: asyncio.Queue[Message | BaseException] = asyncio.Queue()
        self._confirmations: dict[str, list[asyncio.Future[None]]] = {}
        self._reader: asyncio.Task[None] | None = None

    def _client(self, socket_timeout: float | None) -> aioredis.Redis:
        return aioredis.Redis.from_url(
            self._url,
            retry=Retry(NoBackoff(), 0),
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=socket_timeout,
            socket_keepalive=True,
        )

    async def connect(self) -> None:
        self._publisher = self._client(socket_timeout=CONNECT_TIMEOUT)
        # No socket timeout on the subscription: it is silent while nothing happens; PINGs watch it.
        self._pubsub = self._client(socket_timeout=None).pubsub()
        await self._publisher.ping()
        await self._pubsub.connect()
        self._reader = asyncio.create_task(self._read(), name="crm-redis-reader")

    async def disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        self._fail_confirmations(ConnectionError("disconnected"))
        for close in (self._pubsub.aclose, self._publisher.aclose):
            try:
                await close()
            except Exception:  # closing a dead connection may fail; it is being dropped anyway
                pass

    async def subscribe(self, channel: str) -> None:
        confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._confirmations.setdefault(channel, []).append(confirmed)
        await self._pubsub.subscribe(channel)
        await asyncio.wait_for(confirmed, timeout=2 * self._health_interval + CONNECT_TIMEOUT)

    async def unsubscribe(self, channel: str) -> None:
        await self._pubsub.unsubscribe(channel)

    async def publish(self, channel: str, message: str) -> None:
        await self._publisher.publish(channel, message)

    async def next_published(self) -> Message:
        item = await self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    async def _read(self) -> None:
        pinged = False
        try:
            while True:
                message = await self._pubsub.get_message(timeout=self._health_interval)
                if message is None:
                    if pinged:
                        raise ConnectionError(f"Redis did not answer PING within {self._health_interval} s")
                    await self._pubsub.ping()
                    pinged = True
                    continue
                pinged = False  # any traffic proves the connection alive
                kind = message["type"]
                if kind == "message":
                    self._queue.put_nowait(Message(channel=message["channel"].decode(), message=message["data"].decode()))
                elif kind == "subscribe":
                    waiting = self._confirmations.get(message["channel"].decode())
                    if waiting:
                        future = waiting.pop(0)
                        if not future.done():
                            future.set_result(None)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # handed to the hub's listener, which reconnects
            self._fail_confirmations(exc)
            self._queue.put_nowait(exc)

    def _fail_confirmations(self, exc: Exception) -> None:
        for waiting in self._confirmations.values():
            for future in waiting:
                if not future.done():
                    future.set_exception(exc)
                    future.exception()  # retrieved here: a subscriber that gave up must not log it
        self._confirmations.clear()


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
