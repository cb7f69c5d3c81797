"""CRM server processes on a Redis that freezes (SIGSTOP) or dies: public pages, likes and mutations go
on without waiting for it, /healthz shows the open circuits, subscribers learn that events may have
been missed (STREAM_CLOSED), and everything recovers once Redis is back. Each test runs a redis-server
of its own on a free port; on PostgreSQL too when CRM_TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx

from backend.models import Campaign, Role
from tests.factories import deal_watcher_and_changer, make_user, open_campaign
from tests.servers import CrmServer, crm_servers, graphql_socket, needs_redis_server, redis_server, until

pytestmark = needs_redis_server

FAST = {"CRM_REDIS_TIMEOUT": "0.5", "CRM_PUBLIC_RATE_LIMIT": "1000"}
CREATE = "mutation($input: CreateDealInput!) { createDeal(input: $input) { id } }"
WATCH = "subscription($filter: DealFilter) { dealChanged(filter: $filter) { kind deal { title } } }"
JSON = {"accept": "application/json"}


async def visit_and_like(server: CrmServer, code: str) -> tuple[int, int]:
    """A new visitor opens the public page (a view) and likes it: both status codes."""
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as browser:
        page = await browser.get(f"/c/{code}")
        match = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert match, page.text[:300]
        like = await browser.post(f"/c/{code}/like", data={"csrf": match.group(1)}, headers=JSON)
    return page.status_code, like.status_code


async def circuits(server: CrmServer) -> tuple[str, str, str]:
    health = await server.health(admin=True)
    return health["status"], health["broadcast"]["circuit"], health["rateLimit"]["circuit"]


async def test_a_frozen_redis_stalls_neither_public_pages_nor_likes_nor_mutations(db):
    _, changer, customer_id = await deal_watcher_and_changer()
    campaign = await open_campaign(await make_user(Role.MARKETING), code="frozen")
    async with redis_server() as redis, crm_servers(1, db, redis.url, **FAST) as (server,):
        assert await circuits(server) == ("ok", "closed", "closed")
        redis.freeze()
        assert await visit_and_like(server, "frozen") == (200, 200)  # waits one timeout, opens the circuits

        async def while_frozen() -> list[Any]:
            done: list[Any] = [await visit_and_like(server, "frozen") for _ in range(10)]
            for n in range(3):
                done.append(await server.graphql(changer, CREATE, input={"customerId": customer_id, "title": f"F{n}"}))
            return done

        # One by one, each waiting for Redis would take 25 s and more; with the circuits open they are
        # done long before, while Redis is still frozen.
        done = await asyncio.wait_for(while_frozen(), 15)
        assert done[:10] == [(200, 200)] * 10 and all(d["createDeal"]["id"] for d in done[10:])
        status, broadcast, rate_limit = await circuits(server)
        assert status == "degraded" and broadcast != "closed" and rate_limit != "closed"
        row = await Campaign.get(id=int(campaign["id"]))
        assert (row.views, row.likes) == (11, 11)  # every write committed although its event was dropped

        redis.thaw()
        await until(lambda: _all_closed(server), what="both circuits to close after SIGCONT")
        assert await visit_and_like(server, "frozen") == (200, 200)
        assert (await server.health(admin=True))["broadcast"]["droppedEvents"] >= 25


async def _all_closed(server: CrmServer) -> bool:
    return await circuits(server) == ("ok", "closed", "closed")


async def test_a_subscriber_on_another_process_learns_that_events_were_dropped(db):
    """Redis froze just long enough for process A's publish to time out; B's own connection survived
    (its PING check did not fall in the freeze), so only A knows. B's subscriber still hears it."""
    watcher, changer, customer_id = await deal_watcher_and_changer()
    async with (redis_server() as redis, crm_servers(2, db, redis.url, **FAST) as (a, b),
                graphql_socket(b.ws_url, watcher) as ws):
        await ws.subscribe(WATCH, filter={"customerId": [customer_id]})
        await b.wait_for_subscribers(1)
        redis.freeze()
        await a.graphql(changer, CREATE, input={"customerId": customer_id, "title": "Dropped"})
        redis.thaw()
        error = await ws.ended()
        assert error["extensions"]["code"] == "STREAM_CLOSED"
        assert "events may have been missed" in error["extensions"]["reason"]
        await until(lambda: _all_closed(a), what="A to reconnect")
        # Subscribing again works, and events flow again.
        await ws.subscribe(WATCH, filter={"customerId": [customer_id]})
        await b.wait_for_subscribers(1)
        await a.graphql(changer, CREATE, input={"customerId": customer_id, "title": "Again"})
        while (event := await ws.next_data("dealChanged", timeout=20))["deal"]["title"] != "Again":
            pass
        assert event["kind"] == "CREATED"
