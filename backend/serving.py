"""How `crm serve` meets slow and greedy clients: each request must arrive whole within a deadline, the
connections one process holds are capped, and a websocket message is no bigger than an HTTP body.

uvicorn alone times out only an idle keep-alive connection (after a response): a connection that trickles
its request head or body a byte at a time, or sends nothing, holds its file descriptor forever
(slowloris). `ReadTimeoutH11Protocol` closes it when its request has not arrived whole in time.

Each worker of `crm serve --workers N` listens on a socket of its own (`WorkerLoop`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from backend.http_limits import UI_MESSAGE_BYTES
from backend.settings import Settings, get_settings

_ARRIVING = (h11.IDLE, h11.SEND_BODY)  # the client's side of h11's state machine until its request is whole


class ReadTimeoutH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline (CRM_READ_TIMEOUT) for each request, head and body, counted
    from the connection's opening or the first byte of a later keep-alive request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_timeout = get_settings().read_timeout
        self.read_deadline: asyncio.TimerHandle | None = None

    # ignore: uvicorn's H11Protocol itself narrows asyncio's BaseTransport to Transport; this override keeps its signature
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self.read_deadline is None and self.conn.their_state is h11.IDLE:
            self._arm()  # the first bytes of a keep-alive connection's next request
        super().data_received(data)
        if self.conn.their_state not in _ARRIVING:
            self._disarm()

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._disarm()  # the websocket protocol takes the connection over, with its own pings
        super().handle_websocket_upgrade(event)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self.read_deadline = self.loop.call_later(self.read_timeout, self._expire)

    def _disarm(self) -> None:
        if self.read_deadline is not None:
            self.read_deadline.cancel()
            self.read_deadline = None

    def _expire(self) -> None:
        self.read_deadline = None
        if self.conn.their_state in _ARRIVING and not self.transport.is_closing():
            self.logger.info("Closed a connection whose request did not arrive within %s s", self.read_timeout)
            self.transport.close()


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's settings for the limits: the protocol above, the connection cap (past it, uvicorn answers
    503 at once), and the websocket message size, which uvicorn refuses with close code 1009."""
    return {
        "http": ReadTimeoutH11Protocol,
        "limit_concurrency": settings.max_connections,
        "ws_max_size": UI_MESSAGE_BYTES,  # the largest socket's; the application holds /graphql to its 1 MB
    }



class WorkerLoop(asyncio.SelectorEventLoop):
    """The event loop of each `crm serve --workers N` process: its server listens on a socket of its own
    (SO_REUSEPORT), and the kernel spreads new connections over the workers' sockets.

    With one socket shared by all, every worker was woken for each waiting connection and asyncio accepted
    all that waited: whichever worker ran first took a whole burst of keep-alive connections and the other
    idled for their lifetime (16 connections opened at once to two workers: 16 to 0 in 2 of 10 tries, 13 to 3
    typically; docs/benchmarks.md). A socket of its own closes with its worker, so no connection waits in a
    queue that nobody accepts from."""

    async def create_server(self, *args: Any, **kwargs: Any) -> asyncio.Server:
        kwargs.setdefault("reuse_port", True)
        return await super().create_server(*args, **kwargs)
