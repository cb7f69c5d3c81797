"""Real processes for tests: the CRM under uvicorn on a free port, a private redis-server, and a
graphql-transport-ws client. Every wait is for a condition (a port answering, a subscriber counted),
bounded by a timeout; nothing sleeps to synchronise."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = "/usr/bin/redis-server"
# Tests that run a redis-server of their own (redis_server()): on every machine that has one installed.
needs_redis_server = pytest.mark.skipif(not Path(REDIS_SERVER).exists(), reason=f"{REDIS_SERVER} not installed")
POLL = 0.02  # pause between two looks at a condition another process must reach
# How long a process we start (a server, a worker) may take to answer: its start imports the whole app, which
# on a busy two-core machine (the suite's own workers and whatever else runs) took over a minute for two
# servers starting at once. A bound, not a pause: a healthy start is waited for only as long as it takes.
START_TIMEOUT = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def until(condition: Callable[[], Any], timeout: float = 20, what: str = "condition") -> Any:
    """Look at `condition` (sync or async) until it is truthy; TimeoutError names `what`."""

    async def look() -> Any:
        while True:
            value = condition()
            if asyncio.iscoroutine(value):
                value = await value
            if value:
                return value
            await asyncio.sleep(POLL)

    try:
        return await asyncio.wait_for(look(), timeout)
    except TimeoutError:
        raise TimeoutError(f"timed out waiting for {what}") from None


class RedisServer:
    """A redis-server of our own (nothing on disk) that a test may kill, restart or freeze."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self, degraded: bool = False) -> None:
        """Until /healthz answers "ok"; `degraded`: or "degraded" (it started while Redis is down)."""
        self.accepted = ("ok", "degraded") if degraded else ("ok",)
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await until(self._answers, what=f"redis-server on port {self.port}")

    async def _answers(self) -> bool:
        assert self.process is not None and self.process.poll() is None, "redis-server exited"
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        try:
            writer.write(b"PING\r\n")
            return (await reader.readline()).startswith(b"+PONG")
        except OSError:
            return False
        finally:
            writer.close()

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP: connections stay open but nothing answers (a half-open network, as seen by clients)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@asynccontextmanager
async def redis_server() -> AsyncIterator[RedisServer]:
    server = RedisServer()
    await server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.thaw()
        server.kill()


class CrmServer:
    """`uvicorn backend.app:app` in a subprocess on a free port."""

    def __init__(self, database_url: str, broadcast_url: str = "memory://", **settings: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CRM_DATABASE_URL": database_url,
            "CRM_BROADCAST_URL": broadcast_url,
            "CRM_HOST": "127.0.0.1",
            "CRM_PORT": str(self.port),
            **settings,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.admin_token: str | None = None
        self.accepted: tuple[str, ...] = ("ok",)

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    async def start(self, degraded: bool = False) -> None:
        """Until /healthz answers "ok"; `degraded`: or "degraded" (it started while Redis is down)."""
        self.accepted = ("ok", "degraded") if degraded else ("ok",)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "backend.app:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning"],
            cwd=ROOT,
            env=self.env,
        )
        await until(self._healthy, timeout=START_TIMEOUT, what=f"the CRM on port {self.port}")

    async def _healthy(self) -> bool:
        assert self.process is not None and self.process.poll() is None, "the CRM server process exited"
        try:
            return (await self.health()).get("status") in self.accepted
        except httpx.TransportError:
            return False

    async def health(self, admin: bool = False) -> dict[str, Any]:
        """/healthz; `admin` adds its details (shown to admins only), asking as an admin of the database."""
        headers = {"Authorization": f"Bearer {await self._admin_token()}"} if admin else {}
        async with httpx.AsyncClient(timeout=10) as http:
            return (await http.get(f"{self.base}/healthz", headers=headers)).json()

    async def _admin_token(self) -> str:
        """An admin's API token, made once through the test's own connection to the shared database."""
        if self.admin_token is None:
            from backend.models import Role
            from backend.services import tokens
            from tests.factories import actor, make_user

            _, self.admin_token = await tokens.create(actor(await make_user(Role.ADMIN)), "health")
        return self.admin_token

    async def broadcast(self) -> dict[str, Any]:
        return (await self.health(admin=True))["broadcast"]

    async def wait_for_subscribers(self, count: int) -> None:
        """Until the server's hub counts `count` subscriptions (each confirmed by its backend)."""

        async def enough() -> bool:
            return (await self.broadcast())["subscribers"] >= count

        await until(enough, what=f"{count} subscribers on port {self.port}")

    async def graphql(self, token: str, query: str, **variables: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=20) as http:
            response = await http.post(
                f"{self.base}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None


@asynccontextmanager
async def crm_servers(count: int, database_url: str, broadcast_url: str = "memory://", **settings: str) -> AsyncIterator[list[CrmServer]]:
    servers = [CrmServer(database_url, broadcast_url, **settings) for _ in range(count)]
    try:
        await asyncio.gather(*(server.start() for server in servers))
        yield servers
    finally:
        for server in servers:
            server.stop()


class GraphQLSocket:
    """A graphql-transport-ws client: connection_init with a bearer token, subscribe, read messages."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._ids = 0

    async def subscribe(self, query: str, **variables: Any) -> str:
        self._ids += 1
        op = str(self._ids)
        await self.ws.send(json.dumps({"id": op, "type": "subscribe", "payload": {"query": query, "variables": variables}}))
        return op

    async def receive(self, timeout: float = 10) -> dict[str, Any]:
        """The next message other than a ping (answered) or pong."""
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
            elif message["type"] != "pong":
                return message

    async def next_data(self, field: str, timeout: float = 10) -> dict[str, Any]:
        message = await self.receive(timeout)
        assert message["type"] == "next" and not message["payload"].get("errors"), message
        return message["payload"]["data"][field]

    async def ended(self, timeout: float = 30) -> dict[str, Any]:
        """The error that ended a subscription, read up to its `complete`; events that still arrived
        before it are read past."""
        error = None
        while (message := await self.receive(timeout))["type"] != "complete":
            assert message["type"] == "next", message
            error = (message["payload"].get("errors") or [error])[0]
        assert error is not None, "the stream completed without saying why"
        return error


@asynccontextmanager
async def graphql_socket(url: str, token: str) -> AsyncIterator[GraphQLSocket]:
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        yield GraphQLSocket(ws)
