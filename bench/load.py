"""The load generator: a separate process (`python -m bench.load`) that reads one scenario as JSON on stdin
and prints its raw results as JSON on stdout. Request counts are bounded; it talks only to 127.0.0.1.

Scenarios: `http` (GraphQL documents at a fixed concurrency), `moves` (moveDeal on disjoint deals per
worker), `fanout` (a mutation → delivery to N websocket subscribers) and `likes` (anonymous public likes
while dashboards are subscribed). Latencies are in seconds.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import websockets

Spec = dict[str, Any]
PROTOCOL = "graphql-transport-ws"
WAIT_DELIVERY = 10.0  # seconds a delivery may take before it counts as missing


def rss_of(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def _client(spec: Spec, concurrency: int, token: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        base_url=spec["url"], headers=headers, timeout=30,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
    )


async def _post(client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    answer = await client.post("/graphql", json=body, headers=headers)
    data = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
    if answer.status_code != 200 or data.get("errors") or not data.get("data"):
        raise RuntimeError(f"HTTP {answer.status_code}: {answer.text[:300]}")
    return data["data"]


async def _run_workers(count: int, concurrency: int, call: Callable[[int, int], Awaitable[None]]) -> tuple[list[float], float, list[str]]:
    """`count` calls spread over `concurrency` workers; per-call latencies, elapsed seconds, error texts."""
    numbers = iter(range(count))
    latencies: list[float] = []
    errors: list[str] = []

    async def worker(w: int) -> None:
        for i in numbers:
            started = time.perf_counter()
            try:
                await call(w, i)
            except Exception as exc:  # a failed request is reported, never timed
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return latencies, time.perf_counter() - started, errors


async def http(spec: Spec) -> dict[str, Any]:
    bodies = spec["bodies"]
    concurrency = spec["concurrency"]
    async with _client(spec, concurrency, spec.get("token")) as client:
        for body in bodies[: spec.get("warmup", 5)]:
            await _post(client, body)

        async def call(_: int, i: int) -> None:
            await _post(client, bodies[i % len(bodies)])

        latencies, elapsed, errors = await _run_workers(spec["count"], concurrency, call)
    return {"latencies": latencies, "elapsed": elapsed, "errors": errors[:5], "error_count": len(errors)}


async def moves(spec: Spec) -> dict[str, Any]:
    """moveDeal on the deals of `spec["deals"]` ([id, version, [stage ids]]), each worker with its own deals."""
    concurrency = spec["concurrency"]
    deals = [{"id": d[0], "version": d[1], "stages": d[2], "at": 0} for d in spec["deals"]]
    turns = [itertools.cycle(deals[w::concurrency]) for w in range(concurrency)]
    async with _client(spec, concurrency, spec["token"]) as client:

        async def call(w: int, _: int) -> None:
            await _move(client, spec["document"], next(turns[w]))

        latencies, elapsed, errors = await _run_workers(spec["count"], concurrency, call)
    return {"latencies": latencies, "elapsed": elapsed, "errors": errors[:5], "error_count": len(errors)}


async def _move(client: httpx.AsyncClient, document: str, deal: dict[str, Any]) -> None:
    """Move a deal to the next of its stages, sending the version read last."""
    at = (deal["at"] + 1) % len(deal["stages"])
    variables = {"input": {"id": deal["id"], "version": deal["version"], "stageId": deal["stages"][at]}}
    data = await _post(client, {"query": document, "variables": variables})
    deal["version"], deal["at"] = next(iter(data.values()))["version"], at


class Subscriber:
    """One websocket with one graphql-transport-ws subscription; records when each event arrives."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.arrivals: list[tuple[float, dict[str, Any]]] = []
        self.errors: list[str] = []
        self.changed = asyncio.Event()

    @classmethod
    async def open(cls, url: str, token: str, document: str, variables: dict[str, Any]) -> Subscriber:
        connection = await websockets.connect(url, subprotocols=[PROTOCOL], max_queue=None, open_timeout=30)
        await connection.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        ack = json.loads(await asyncio.wait_for(connection.recv(), 30))
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"no connection_ack: {ack}")
        await connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": document, "variables": variables}}))
        self = cls(connection)
        self.task = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        try:
            async for raw in self.connection:
                at = time.perf_counter()
                message = json.loads(raw)
                if message["type"] == "ping":
                    await self.connection.send(json.dumps({"type": "pong"}))
                elif message["type"] == "next" and not message["payload"].get("errors"):
                    self.arrivals.append((at, message["payload"]["data"]))
                    self.changed.set()
                elif message["type"] in ("next", "error"):
                    self.errors.append(json.dumps(message)[:300])
        except websockets.ConnectionClosed as exc:
            self.errors.append(f"closed: {exc}"[:300])

    async def close(self) -> None:
        self.task.cancel()
        await self.connection.close()


async def _open_all(url: str, token: str, document: str, variables: dict[str, Any], count: int) -> list[Subscriber]:
    subscribers: list[Subscriber] = []
    for start in range(0, count, 50):  # 50 handshakes at a time: a burst, not a connect storm
        batch = range(start, min(count, start + 50))
        subscribers += await asyncio.gather(*(Subscriber.open(url, token, document, variables) for _ in batch))
    return subscribers


async def _all_received(subscribers: list[Subscriber], at_least: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    for subscriber in subscribers:
        while len(subscriber.arrivals) < at_least:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            subscriber.changed.clear()
            try:
                await asyncio.wait_for(subscriber.changed.wait(), left)
            except TimeoutError:
                return False
    return True


async def _warm_up(subscribers: list[Subscriber], trigger: Callable[[], Awaitable[Any]], tries: int = 15) -> None:
    """Trigger events until every subscription delivers one: subscribe has no acknowledgement in the protocol."""
    for _ in range(tries):
        await trigger()
        if await _all_received(subscribers, 1, 2.0):
            await asyncio.sleep(0.5)  # let stragglers of the warm-up events land before counting starts
            return
    silent = [s for s in subscribers if not s.arrivals]
    errors = [e for s in subscribers for e in s.errors][:3]
    raise RuntimeError(f"{len(silent)} of {len(subscribers)} subscriptions did not start delivering {errors}")


async def fanout(spec: Spec) -> dict[str, Any]:
    """`mutations` moves of one deal, each timed from just before the request to each subscriber's delivery."""
    deal = {"id": spec["deal"][0], "version": spec["deal"][1], "stages": spec["deal"][2], "at": 0}
    async with _client(spec, 1, spec["token"]) as client:

        async def move() -> None:
            await _move(client, spec["mutation"], deal)

        subscribers = await _open_all(spec["ws_url"], spec["token"], spec["subscription"], spec["variables"], spec["subscribers"])
        try:
            await _warm_up(subscribers, move)
            for s in subscribers:
                del s.arrivals[:]
            rss = rss_of(spec["server_pids"])
            latencies: list[float] = []
            missing = 0
            for k in range(spec["mutations"]):
                started = time.perf_counter()
                await move()
                await _all_received(subscribers, k + 1, WAIT_DELIVERY)
                for s in subscribers:
                    if len(s.arrivals) > k:
                        latencies.append(s.arrivals[k][0] - started)
                    else:
                        missing += 1
                        s.arrivals.append((float("inf"), {}))  # keep indexes aligned with mutations
            errors = [e for s in subscribers for e in s.errors][:5]
        finally:
            await asyncio.gather(*(s.close() for s in subscribers), return_exceptions=True)
    return {"latencies": latencies, "missing": missing, "rss": rss, "errors": errors}


LIKE = "mutation($input: LikeCampaignInput!) { likeCampaign(input: $input) { counted totals { likes } } }"
LIKES_OF = "query($id: ID!) { campaign(id: $id) { likes } }"


def _visitor(i: int) -> dict[str, str]:
    """A distinct anonymous visitor: its own cookie, and its own address as a trusted proxy reports it."""
    return {
        "Cookie": f"crm_visitor={secrets.token_urlsafe(24)}",
        "X-Forwarded-For": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
    }


async def likes(spec: Spec) -> dict[str, Any]:
    campaign = spec["campaign_id"]
    concurrency = spec["concurrency"]
    body = {"query": LIKE, "variables": {"input": {"campaignId": campaign}}}
    subscribers = await _open_all(spec["ws_url"], spec["token"], spec["subscription"], {"campaignId": campaign}, spec["dashboards"])
    try:
        async with _client(spec, concurrency, None) as anonymous, _client(spec, 1, spec["token"]) as staff:
            warm = itertools.count(1 << 20)  # warm-up visitors get addresses the measured ones never use
            await _warm_up(subscribers, lambda: _post(anonymous, body, _visitor(next(warm))))
            before = (await _post(staff, {"query": LIKES_OF, "variables": {"id": campaign}}))["campaign"]["likes"]
            counted = 0

            async def call(_: int, i: int) -> None:
                nonlocal counted
                result = await _post(anonymous, body, _visitor(i))
                counted += bool(result["likeCampaign"]["counted"])

            latencies, elapsed, errors = await _run_workers(spec["likes"], concurrency, call)
            expected = before + counted

            def top(s: Subscriber) -> int:
                return max((a[1]["campaignEngagement"]["totals"]["likes"] for a in s.arrivals), default=0)

            deadline = time.monotonic() + WAIT_DELIVERY
            while time.monotonic() < deadline and any(top(s) < expected for s in subscribers):
                await asyncio.sleep(0.05)
            after = (await _post(staff, {"query": LIKES_OF, "variables": {"id": campaign}}))["campaign"]["likes"]
    finally:
        await asyncio.gather(*(s.close() for s in subscribers), return_exceptions=True)
    return {
        "latencies": latencies, "elapsed": elapsed, "sent": spec["likes"], "counted": counted, "before": before,
        "after": after, "dashboards_behind": sum(top(s) < after for s in subscribers),
        "errors": (errors + [e for s in subscribers for e in s.errors])[:5], "error_count": len(errors),
    }


SCENARIOS: dict[str, Callable[[Spec], Awaitable[dict[str, Any]]]] = {
    "http": http, "moves": moves, "fanout": fanout, "likes": likes,
}


def main() -> None:
    spec = json.load(sys.stdin)
    # The generator is the measuring instrument: its own collector's pauses (it keeps every answer until
    # the end) must not be counted as the server's latency, so it runs without one, as timeit does.
    gc.disable()
    result = asyncio.run(SCENARIOS[spec["scenario"]](spec))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
