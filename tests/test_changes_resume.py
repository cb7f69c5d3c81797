"""Issue 21's promise, end to end: a client of the change feed goes away; meanwhile changes are made on two
server processes, Redis dies, and the process the client follows restarts. It comes back with its last
cursor and gets exactly what it missed, once each and in commit order, then each new change live, while
Redis is still down (the stream reads the table itself) and after Redis is back (no duplicate when the
stream re-subscribes). "An hour" away is any while under the retention period: what counts is the restart
and the outage. Real processes on a redis-server of the test's own; on PostgreSQL too when
CRM_TEST_DATABASE_URL is set."""

from __future__ import annotations

from typing import Any

from backend.models import Role
from backend.services import tokens
from tests.factories import actor, make_user
from tests.servers import CrmServer, GraphQLSocket, crm_servers, graphql_socket, needs_redis_server, redis_server, until

pytestmark = needs_redis_server

FAST = {"CRM_REDIS_TIMEOUT": "0.5"}
CREATE = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }"
PAGE = """query($after: String) { changes(after: $after, first: 100, entities: [CUSTOMER]) {
  edges { cursor node { id entityId kind } } } }"""
STREAM = """subscription($after: String) { changes(after: $after, entities: [CUSTOMER]) {
  cursor node { id entityId kind } } }"""
WAIT = 60  # seconds a change may take to reach the client on a busy machine (a bound, not a pause)


async def create(server: CrmServer, token: str, name: str) -> str:
    data = await server.graphql(token, CREATE, input={"name": name, "email": f"{name.lower()}@example.com"})
    return data["createCustomer"]["id"]


async def next_change(ws: GraphQLSocket) -> dict[str, Any]:
    return await ws.next_data("changes", timeout=WAIT)


async def connected(server: CrmServer) -> bool:
    broadcast = await server.broadcast()
    return bool(broadcast["connected"]) and broadcast["circuit"] == "closed"


async def test_a_client_away_through_a_restart_and_a_redis_outage_resumes_with_exactly_what_it_missed(db: str) -> None:
    _, token = await tokens.create(actor(await make_user(Role.ADMIN)), "feed client")
    async with redis_server() as redis, crm_servers(2, db, redis.url, **FAST) as (a, b):
        first = await create(a, token, "Before")
        start = (await a.graphql(token, PAGE))["changes"]["edges"][-1]
        assert start["node"]["entityId"] == first

        # Following on b; a change made on a reaches it through Redis.
        async with graphql_socket(b.ws_url, token) as ws:
            await ws.subscribe(STREAM, after=start["cursor"])
            seen = await create(a, token, "Seen")
            last = await next_change(ws)
            assert (last["node"]["entityId"], last["node"]["kind"]) == (seen, "CREATED")
        # Away. Changes go on: on both processes, while Redis is down, and after b restarted without it.
        missed = [await create(a, token, "Missed1")]
        redis.kill()
        missed += [await create(a, token, "Missed2"), await create(b, token, "Missed3")]
        b.stop()
        missed.append(await create(a, token, "Missed4"))
        await b.start(degraded=True)
        missed.append(await create(b, token, "Missed5"))

        got: list[dict[str, Any]] = []
        async with graphql_socket(b.ws_url, token) as ws:
            await ws.subscribe(STREAM, after=last["cursor"])
            got += [await next_change(ws) for _ in missed]  # the replay
            assert [g["node"]["entityId"] for g in got] == missed

            # Live while Redis is still down: nothing can poke the stream, so it reads the table itself.
            live = [await create(a, token, "WhileDown")]
            got.append(await next_change(ws))

            # Redis is back: both processes reconnect, the stream re-subscribes without ending and replays
            # nothing twice; the next change to arrive is the next one made, on either process.
            await redis.start()
            await until(lambda: connected(a), timeout=WAIT, what="a to reconnect to Redis")
            await until(lambda: connected(b), timeout=WAIT, what="b to reconnect to Redis")
            for server, name in ((a, "BackOnA"), (b, "BackOnB")):
                live.append(await create(server, token, name))
                got.append(await next_change(ws))

        assert [g["node"]["entityId"] for g in got] == missed + live  # exactly these, once each
        ids = [int(g["node"]["id"]) for g in got]
        assert ids == sorted(set(ids)), "in commit order"
        assert {g["node"]["kind"] for g in got} == {"CREATED"}
        # What the client holds is what the feed holds after the cursor it left with.
        feed = (await a.graphql(token, PAGE, after=last["cursor"]))["changes"]["edges"]
        assert [edge["node"] for edge in feed] == [g["node"] for g in got]
        assert got[-1]["cursor"] == feed[-1]["cursor"]
