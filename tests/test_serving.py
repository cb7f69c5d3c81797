"""`crm serve` against slow and greedy clients, on a real server: a request that does not arrive in time
is closed, the connection cap answers 503 at once, a websocket message over the limit closes the socket
(1009) unexecuted, and a fragment bomb does not stall the event loop for others."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from uvicorn.protocols.utils import ClientDisconnected
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from backend.http_limits import INVALID_PAYLOAD, MAX_BODY_BYTES, MESSAGE_TOO_BIG, UI_MESSAGE_BYTES, BodySizeLimit
from backend.models import Role
from backend.services import tokens
from frontend.shell import ROOT_COMPONENT
from tests.factories import actor, make_user
from tests.servers import ROOT, START_TIMEOUT, crm_servers, free_port, until
from tests.test_limits import fragment_bomb

SUBSCRIBE_PADDED = "subscription { campaignEngagement(campaignId: \"1\") { views } }" + " " * 10_000_000


class CrmServe:
    """`crm serve` (the command, with its server limits) in a subprocess on a free port."""

    def __init__(self, database_url: str, **settings: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
        env.update({"CRM_DATA_DIR": os.environ["CRM_DATA_DIR"], "CRM_DATABASE_URL": database_url,
                    "CRM_PORT": str(self.port), "CRM_OIDC_ISSUER": "http://127.0.0.1:9", **settings})
        self.process = subprocess.Popen([sys.executable, "-m", "backend.cli", "serve"], cwd=ROOT, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def health(self) -> int:
        assert self.process.poll() is None, "crm serve exited"
        async with httpx.AsyncClient(timeout=30) as http:
            return (await http.get(f"{self.base}/healthz")).status_code

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a server whose event loop is stuck cannot handle SIGTERM
            self.process.kill()
            self.process.wait(timeout=10)


@asynccontextmanager
async def crm_serve(database_url: str, **settings: str) -> AsyncIterator[CrmServe]:
    server = CrmServe(database_url, **settings)
    try:
        async def up() -> bool:
            try:
                return await server.health() == 200
            except httpx.TransportError:
                return False

        await until(up, timeout=START_TIMEOUT, what="crm serve")
        yield server
    finally:
        server.stop()


async def closed_by_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, trickle: bytes) -> bool:
    """Sends `trickle` a byte at a time (a slow client's pace) until the server closes the connection."""
    for byte in trickle:
        try:
            writer.write(bytes([byte]))
            await writer.drain()
            if await asyncio.wait_for(reader.read(1), 0.2) == b"":
                return True
        except TimeoutError:
            continue  # nothing yet: the server still waits for the rest
        except (ConnectionError, OSError):
            return True
    return False


@pytest.fixture(scope="module")
async def served(database: str) -> AsyncIterator[CrmServe]:
    """`crm serve` with a short read timeout (1 s, so tests wait little for it)."""
    async with crm_serve(database, CRM_READ_TIMEOUT="1", CRM_MAX_CONNECTIONS="200") as server:
        yield server


HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
TRICKLE = b"X-Slow: " + b"a" * 10_000  # 0.2 s a byte: far longer than the read timeout


async def test_slow_clients_are_closed_and_others_served(served: CrmServe) -> None:
    # A request head trickled a byte at a time: closed once the read timeout has passed.
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(HEAD)
    assert await asyncio.wait_for(closed_by_server(reader, writer, TRICKLE), 60)
    writer.close()

    # A body promised but not sent, and a connection that says nothing: closed too.
    body_reader, body_writer = await asyncio.open_connection("127.0.0.1", served.port)
    body_writer.write(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 1000\r\n\r\n{")
    silent_reader, silent_writer = await asyncio.open_connection("127.0.0.1", served.port)
    for reader_, writer_ in ((body_reader, body_writer), (silent_reader, silent_writer)):
        assert await asyncio.wait_for(reader_.read(), 60) == b"", "the server closes it, answering nothing"
        writer_.close()

    # Many trickling connections open at once: a legitimate request is still answered.
    slow = [await asyncio.open_connection("127.0.0.1", served.port) for _ in range(50)]
    for _, writer_ in slow:
        writer_.write(HEAD)
    assert await served.health() == 200
    async with httpx.AsyncClient(timeout=30) as http:
        keep_alive = [(await http.get(f"{served.base}/healthz")).status_code for _ in range(3)]
    assert keep_alive == [200, 200, 200], "keep-alive requests are not cut short"
    for _, writer_ in slow:
        writer_.close()


async def test_past_the_connection_cap_requests_get_503_at_once(database):
    async with crm_serve(database, CRM_READ_TIMEOUT="600", CRM_MAX_CONNECTIONS="8") as server:
        idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(8)]
        for _, writer in idle:
            writer.write(HEAD)

        async def refused() -> bool:
            return await server.health() == 503

        await until(refused, timeout=30, what="a 503 past the cap")
        for _, writer in idle:
            writer.close()

        async def served() -> bool:
            return await server.health() == 200

        await until(served, timeout=30, what="service once the idle connections left")


async def oversized_subscribe(url: str, token: str) -> tuple[int | None, list[Any]]:
    """Sends a 10 MB subscribe on an acknowledged connection: (close code, messages received after)."""
    received: list[Any] = []
    async with connect(url, subprotocols=["graphql-transport-ws"], max_size=None) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        payload = {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE_PADDED}}
        try:
            await ws.send(json.dumps(payload))
            while True:
                received.append(json.loads(await asyncio.wait_for(ws.recv(), 30)))
        except ConnectionClosed as closed:
            return (closed.rcvd.code if closed.rcvd else None), received


async def oversized_ui_message(url: str) -> int | None:
    async with connect(url, max_size=None) as ws:
        await ws.send("x" * (UI_MESSAGE_BYTES + 1))
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 30)  # whatever the UI renders before the close
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None


async def test_a_websocket_message_over_the_limit_closes_the_socket_unexecuted(db, served):
    """In the application (any server) and in `crm serve`'s uvicorn settings."""
    _, token = await tokens.create(actor(await make_user(Role.ADMIN)), "ws")
    async with crm_servers(1, db) as (plain,):
        code, received = await oversized_subscribe(plain.ws_url, token)
        ui_code = await oversized_ui_message(f"ws://127.0.0.1:{plain.port}/reactpy/{ROOT_COMPONENT}/")
    assert code == MESSAGE_TOO_BIG and received == []
    assert ui_code == MESSAGE_TOO_BIG, "the UI's websocket has its own cap"
    code, received = await oversized_subscribe(f"ws://127.0.0.1:{served.port}/graphql", token)
    assert code in (MESSAGE_TOO_BIG, None) and received == []  # uvicorn may reset before its close frame arrives


async def test_a_fragment_bomb_leaves_healthz_answering(served):
    """Several anonymous bombs in flight at once; /healthz answers meanwhile and each bomb is refused."""
    async with httpx.AsyncClient(timeout=120) as http:
        bombs = [asyncio.create_task(http.post(f"{served.base}/graphql", json={"query": fragment_bomb(30)}))
                 for _ in range(4)]
        assert await served.health() == 200
        for response in await asyncio.gather(*bombs):
            assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def through_guard(path: str, message: dict[str, Any], client_gone: bool = False,
                        ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One websocket message through the guard, as ASGI transports in tests see it: what the application
    received (after the connect) and what was sent to the client (`client_gone`: sending fails as uvicorn's
    does once the client left)."""
    incoming = [{"type": "websocket.connect"}, {"type": "websocket.receive", **message}]
    seen_by_app: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]) -> None:
        for _ in range(2):
            seen_by_app.append(await receive())
        await send({"type": "websocket.send", "text": "after"})

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(sent_message: dict[str, Any]) -> None:
        if client_gone:
            raise ClientDisconnected
        sent.append(sent_message)

    await BodySizeLimit(app)({"type": "websocket", "path": path}, receive, send)
    return seen_by_app[1:], sent


async def test_the_websocket_guard_closes_1009_and_hides_the_message():
    seen, sent = await through_guard("/graphql", {"text": "x" * (MAX_BODY_BYTES + 1)})
    assert seen == [{"type": "websocket.disconnect", "code": MESSAGE_TOO_BIG}]
    assert sent == [{"type": "websocket.close", "code": MESSAGE_TOO_BIG, "reason": f"message over {MAX_BODY_BYTES} bytes"}]


async def test_the_uis_socket_takes_the_large_events_reactpy_sends():
    """ReactPy serialises the clicked element with each event (1.48 MB measured for a tab click on a
    customer with a contacts table): over the API's 1 MB, under the UI socket's cap, so it passes."""
    event = {"text": '{"type": "layout-event", "data": "' + "x" * MAX_BODY_BYTES + '"}'}
    seen, sent = await through_guard(f"/reactpy/{ROOT_COMPONENT}/", event)
    assert seen == [{"type": "websocket.receive", **event}] and sent == [{"type": "websocket.send", "text": "after"}]


@pytest.mark.parametrize("message", [{"text": "not json"}, {"text": "[" * 2000 + "]" * 2000}, {"text": "[1]"},
                                     {"bytes": b"{}"}])
async def test_the_uis_socket_closes_1007_on_what_reactpy_cannot_read(message):
    """ReactPy parses each UI message unguarded: text that is not a JSON object (or bytes) would end in a
    logged traceback. The guard closes the socket first and the UI never sees it."""
    seen, sent = await through_guard(f"/reactpy/{ROOT_COMPONENT}/", message)
    assert seen == [{"type": "websocket.disconnect", "code": INVALID_PAYLOAD}]
    assert [m["code"] for m in sent] == [INVALID_PAYLOAD]


async def test_a_ui_that_renders_for_a_closed_tab_ends_quietly():
    """ReactPy's render loop sends to a client that already left; uvicorn raises ClientDisconnected, which
    ReactPy logs as a crash with a traceback. The guard drops the send instead; the API's socket is left as is."""
    event = {"text": '{"type": "layout-event"}'}
    seen, sent = await through_guard(f"/reactpy/{ROOT_COMPONENT}/", event, client_gone=True)
    assert seen == [{"type": "websocket.receive", **event}] and sent == []
    with pytest.raises(ClientDisconnected):
        await through_guard("/graphql", event, client_gone=True)
