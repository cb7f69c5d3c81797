"""Fan-out of events to subscribers, in this process (`memory://`) or across processes (`redis://`).

broadcaster supplies the backends; this hub adds what it lacks (see STACK.md): a bounded queue per
subscriber that closes a subscriber falling too far behind, and a listener that notices a lost Redis
connection, reconnects with backoff and re-subscribes every channel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlparse

from broadcaster._backends.base import BroadcastBackend

from backend.events import Event

log = logging.getLogger("crm.broadcast")


class SubscriberTooSlow(Exception):
    """The subscriber's queue overflowed: it is closed rather than slow everyone down."""


class StreamClosed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_CLOSE = object()


class Subscription:
    def __init__(self, topics: tuple[str, ...], maxsize: int) -> None:
        self.topics = topics
        self.queue: asyncio.Queue[object] = asyncio.Queue(maxsize=maxsize + 1)
        self.maxsize = maxsize
        self.closed_reason: str | None = None
        self.ready = asyncio.Event()

    def offer(self, event: Event) -> None:
        if self.closed_reason:
            return
        if self.queue.qsize() >= self.maxsize:
            self.close(f"subscriber fell more than {self.maxsize} events behind")
            return
        self.queue.put_nowait(event)

    def close(self, reason: str) -> None:
        if self.closed_reason:
            return
        self.closed_reason = reason
        self.queue.put_nowait(_CLOSE)

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            item = await self.queue.get()
            if item is _CLOSE:
                raise StreamClosed(self.closed_reason or "closed")
            yield item  # type: ignore[misc]


def _backend(url: str) -> BroadcastBackend:
    scheme = urlparse(url).scheme
    if scheme in ("redis", "rediss"):
        from broadcaster._backends.redis import RedisBackend

        return RedisBackend(url)
    if scheme == "memory":
        from broadcaster._backends.memory import MemoryBackend

        return MemoryBackend(url)
    raise ValueError(f"CRM_BROADCAST_URL: unsupported scheme {scheme!r} (use memory:// or redis://)")


class Hub:
    def __init__(self) -> None:
        self.url = "memory://"
        self.queue_size = 1000
        self._backend: BroadcastBackend | None = None
        self._subs: dict[str, set[Subscription]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self.reconnects = 0
        self.last_error: str | None = None

    async def start(self, url: str, queue_size: int) -> None:
        self.url, self.queue_size = url, queue_size
        await self._connect()
        self._listener = asyncio.create_task(self._listen(), name="crm-broadcast-listener")

    async def stop(self) -> None:
        if self._listener:
            self._listener.cancel()
            try:
                await self._listener
            except (asyncio.CancelledError, Exception):
                pass
            self._listener = None
        for subs in list(self._subs.values()):
            for sub in list(subs):
                sub.close("server shutting down")
        if self._backend:
            try:
                await self._backend.disconnect()
            except Exception:  # a dead Redis connection cannot be closed cleanly
                pass
        self._backend = None
        self._subs.clear()
        self._connected.clear()

    @property
    def running(self) -> bool:
        return self._backend is not None

    def status(self) -> dict[str, object]:
        return {
            "backend": urlparse(self.url).scheme,
            "connected": self._connected.is_set(),
            "reconnects": self.reconnects,
            "subscribers": sum(len(s) for s in self._subs.values()),
            "lastError": self.last_error,
        }

    async def _connect(self) -> None:
        self._backend = _backend(self.url)
        await self._backend.connect()
        for topic in self._subs:
            await self._backend.subscribe(topic)
        self._connected.set()

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            try:
                assert self._backend is not None
                message = await self._backend.next_published()
                delay = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis went away: reconnect and re-subscribe, keep the streams
                self._connected.clear()
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("broadcast backend lost (%s); reconnecting", self.last_error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                try:
                    if self._backend:
                        try:
                            await self._backend.disconnect()
                        except Exception:
                            pass
                    await self._connect()
                    self.reconnects += 1
                    log.warning("broadcast backend reconnected")
                except Exception as again:
                    self.last_error = f"{type(again).__name__}: {again}"
                continue
            self._dispatch(message.channel, message.message)

    def _dispatch(self, topic: str, message: str) -> None:
        subs = self._subs.get(topic)
        if not subs:
            return
        event = Event.decode(topic, message)
        for sub in list(subs):
            sub.offer(event)

    async def publish(self, event: Event) -> None:
        if self._backend is None:
            return  # no server running (CLI, seeding): nobody can be listening in this process
        try:
            await self._backend.publish(event.topic, event.encode())
        except Exception as exc:  # the write is committed; a lost event must not turn it into an error
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.error("could not publish %s on %s: %s", event.kind, event.topic, exc)

    @asynccontextmanager
    async def subscribe(self, *topics: str, queue_size: int | None = None) -> AsyncIterator[Subscription]:
        """Registered on every topic before the body runs, so nothing published afterwards is missed."""
        sub = Subscription(topics, queue_size or self.queue_size)
        try:
            for topic in topics:
                first = topic not in self._subs
                self._subs.setdefault(topic, set()).add(sub)
                if first and self._backend is not None:
                    await self._backend.subscribe(topic)
            sub.ready.set()
            yield sub
        finally:
            for topic in topics:
                subs = self._subs.get(topic)
                if subs is None:
                    continue
                subs.discard(sub)
                if not subs:
                    del self._subs[topic]
                    if self._backend is not None:
                        try:
                            await self._backend.unsubscribe(topic)
                        except Exception:
                            pass

    def subscriber_count(self, topic: str) -> int:
        return len(self._subs.get(topic, ()))


hub = Hub()


async def publish_all(events: list[Event]) -> None:
    for event in events:
        await hub.publish(event)
