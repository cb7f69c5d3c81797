"""Two server processes sharing the database and Redis: a change made through one reaches websocket
subscribers of the other, also after Redis restarts. Needs CRM_TEST_REDIS_URL (CONTRACT.md, Tests);
the restart case runs a redis-server of its own on a free port. On PostgreSQL too when
CRM_TEST_DATABASE_URL is set (the db fixture's fresh database)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.factories import deal_watcher_and_changer
from tests.servers import CrmServer, GraphQLSocket, crm_servers, graphql_socket, needs_redis_server, redis_server, until

REDIS_URL = os.environ.get("CRM_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="CRM_TEST_REDIS_URL is not set: multi-process tests on Redis skipped")

CREATE = "mutation($input: CreateDealInput!) { createDeal(input: $input) { id } }"
WATCH = "subscription($filter: DealFilter) { dealChanged(filter: $filter) { kind dealId deal { title } } }"


async def created(ws: GraphQLSocket, title: str) -> dict[str, Any]:
    """The event about the deal titled `title`; a Redis shared with other test runs may carry theirs."""
    while True:
        event = await ws.next_data("dealChanged", timeout=20)
        if event["deal"] and event["deal"]["title"] == title:
            return event


async def change_reaches_other_process(a: CrmServer, b: CrmServer, changer: str, customer_id: str, title: str,
                                       ws: GraphQLSocket) -> None:
    made = (await a.graphql(changer, CREATE, input={"customerId": customer_id, "title": title}))["createDeal"]
    event = await created(ws, title)
    assert (event["kind"], event["dealId"]) == ("CREATED", made["id"])


async def test_a_change_through_one_process_reaches_a_subscriber_of_the_other(db):
    watcher, changer, customer_id = await deal_watcher_and_changer()
    async with crm_servers(2, db, REDIS_URL) as (a, b), graphql_socket(b.ws_url, watcher) as ws:  # type: ignore[arg-type]
        await ws.subscribe(WATCH, filter={"customerId": [customer_id]})
        await b.wait_for_subscribers(1)
        for n in range(3):
            await change_reaches_other_process(a, b, changer, customer_id, f"Across {n}", ws)


@needs_redis_server
async def test_streams_end_when_redis_restarts_and_subscribing_again_resumes_them(db):
    watcher, changer, customer_id = await deal_watcher_and_changer()
    async with redis_server() as redis, crm_servers(2, db, redis.url) as (a, b), graphql_socket(b.ws_url, watcher) as ws:
        await ws.subscribe(WATCH, filter={"customerId": [customer_id]})
        await b.wait_for_subscribers(1)
        await change_reaches_other_process(a, b, changer, customer_id, "Before", ws)

        redis.kill()
        # Redis keeps nothing for a subscriber that is away: the stream ends so the client refetches.
        closed = (await ws.ended())["extensions"]
        assert closed["code"] == "STREAM_CLOSED" and "events may have been missed" in closed["reason"]
        for server in (a, b):
            await until(lambda s=server: _broadcast_down(s), what="both processes to notice Redis is gone")
        health = await b.health(admin=True)
        assert health["status"] == "degraded" and health["broadcast"]["connected"] is False

        await redis.start()  # the same port
        for server in (a, b):
            await until(lambda s=server: _reconnected(s), what="both processes to reconnect")
        assert (await b.broadcast())["subscribers"] == 0
        # The websocket stayed open through the outage; subscribing again on it resumes the stream.
        await ws.subscribe(WATCH, filter={"customerId": [customer_id]})
        await b.wait_for_subscribers(1)
        await change_reaches_other_process(a, b, changer, customer_id, "After", ws)


async def _broadcast_down(server: CrmServer) -> bool:
    return (await server.broadcast())["connected"] is False


async def _reconnected(server: CrmServer) -> bool:
    status = await server.broadcast()
    return status["connected"] is True and status["circuit"] == "closed" and status["reconnects"] >= 1
