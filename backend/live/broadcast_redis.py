"""The hub's backends: Redis pub/sub built on redis-py directly, and an in-process one for `memory://`.

The `broadcaster` package was used before and is no longer: its RedisBackend (0.3.1) does not work with
redis-py 8 (its reader task sees no channel yet when the first subscribe is sent, stops, and never reads
again, so the first subscription hears nothing; when the connection drops that task dies while
`next_published()` waits forever, both checked against a real redis-server), and the hub needs neither
its `Broadcast` front (unbounded queues, no reconnect) nor more than the 30 lines of its memory backend,
which were reached through its private modules (`broadcaster._backends.memory`, `broadcaster._base`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

HEALTH_INTERVAL = 5.0  # seconds of silence on the Redis subscription before it is PINGed
CONNECT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Message:
    """One message as a backend delivers it: the channel it came on and its text."""

    channel: str
    message: str


class Backend(Protocol):
    """What the hub needs of a backend: `subscribe` returns once the channel is live, and
    `next_published` raises when the connection is lost."""

    async def connect(self) -> None: ...
    async def disconnect(self) -> None: ...
    async def subscribe(self, channel: str) -> None: ...
    async def unsubscribe(self, channel: str) -> None: ...
    async def publish(self, channel: str, message: str) -> None: ...
    async def next_published(self) -> Message: ...


class MemoryBackend:
    """One process's pub/sub: what is published here reaches the subscribers here, in order."""

    def __init__(self) -> None:
        self._subscribed: set[str] = set()
        self._published: asyncio.Queue[Message] = asyncio.Queue()

    async def connect(self) -> None:
        pass

    async def disconnect(self) -> None:
        pass

    async def subscribe(self, channel: str) -> None:
        self._subscribed.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._subscribed.discard(channel)

    async def publish(self, channel: str, message: str) -> None:
        self._published.put_nowait(Message(channel, message))

    async def next_published(self) -> Message:
        while True:
            message = await self._published.get()
            if message.channel in self._subscribed:
                return message


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
        self._queue.put_nowait(ConnectionError("disconnected"))  # whoever waits in next_published moves on
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
