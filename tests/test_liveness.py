"""Sockets that outlive their rights: an open websocket re-checks its caller on every operation, and
every process re-checks all its open sockets about once a second, so a revoked token, a demoted or
deactivated user and a signed-out or expired session lose their sockets (closed 4403) whether or not a
pub/sub message about it arrives. Pub/sub is switched off in most tests below to prove that."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from backend.auth import sessions
from backend.auth.actor import Actor
from backend.live import topics
from backend.live.broadcast import hub
from backend.models import Role, Session, User
from backend.services import tokens, users
from backend.settings import get_settings, reset_settings
from tests.factories import actor, make_team, make_user
from tests.oidc import crm_app, issuer, served
from tests.servers import crm_servers, needs_redis_server, redis_server, until

__all__ = ["crm_app", "issuer"]

ME = "{ me { email role } }"
UPDATE_USER = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { id role } }"
NOTIFICATIONS = "subscription { notifications { id } }"
TIMEOUT = 10


@pytest.fixture
def no_pubsub(monkeypatch: pytest.MonkeyPatch) -> None:
    """access_revoked messages are lost, as while Redis is down: only the re-checks can act."""
    publish = hub.publish

    async def lossy(event: Any) -> None:
        if event.topic != topics.access_revoked():
            await publish(event)

    monkeypatch.setattr(hub, "publish", lossy)


@pytest.fixture
def no_poll(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The periodic re-check practically off: only the re-check of each operation can act."""
    monkeypatch.setenv("CRM_ACCESS_CHECK_SECONDS", "3600")
    reset_settings()
    yield
    reset_settings()


class Socket:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws, self.ids = ws, 0

    async def send(self, query: str, **variables: Any) -> str:
        self.ids += 1
        await self.ws.send(json.dumps({"id": str(self.ids), "type": "subscribe",
                                       "payload": {"query": query, "variables": variables}}))
        return str(self.ids)

    async def result(self, query: str, **variables: Any) -> dict[str, Any]:
        """The first result of an operation: {"data": …} or {"errors": […]}."""
        op = await self.send(query, **variables)
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), TIMEOUT))
            if message.get("id") == op and message["type"] in ("next", "error"):
                return message["payload"] if message["type"] == "next" else {"errors": message["payload"]}

    async def closed(self) -> tuple[int, list[dict[str, Any]]]:
        """Waits for the server to close the socket: (close code, the messages received until then)."""
        received = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                received.append(json.loads(await asyncio.wait_for(self.ws.recv(), TIMEOUT)))
        assert closed.value.rcvd is not None, "the server did not close the socket"
        return closed.value.rcvd.code, received


@asynccontextmanager
async def token_socket(url: str, secret: str) -> AsyncIterator[Socket]:
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {secret}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))["type"] == "connection_ack"
        yield Socket(ws)


@asynccontextmanager
async def cookie_socket(host: str, cookie: str) -> AsyncIterator[Socket]:
    async with connect(f"ws://{host}/graphql", subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                       origin=f"http://{host}", additional_headers={"Cookie": f"{sessions.COOKIE}={cookie}"}) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))["type"] == "connection_ack"
        yield Socket(ws)


def code_of(result: dict[str, Any]) -> str:
    return result["errors"][0]["extensions"]["code"]


async def watched(count: int) -> None:
    from backend.auth import liveness

    await until(lambda: liveness.watcher.count() >= count, timeout=TIMEOUT, what=f"{count} watched sockets")


async def test_a_revoked_tokens_socket_refuses_its_next_operation_and_closes(crm_app, no_pubsub, no_poll):
    rep = await make_user(Role.SALES_REP)
    token, secret = await tokens.create(actor(rep), "script")
    async with served(crm_app) as host, token_socket(f"ws://{host}/graphql", secret) as ws:
        assert (await ws.result(ME))["data"]["me"]["email"] == rep.email
        await tokens.revoke(actor(rep), token.id)
        refused = await ws.result(ME)
        assert code_of(refused) == "UNAUTHENTICATED" and "data" not in refused
        code, after = await ws.closed()
    assert code == 4403 and not [m for m in after if m["type"] == "next"]


async def test_a_revoked_tokens_socket_is_closed_within_the_poll_without_pubsub(crm_app, no_pubsub):
    rep = await make_user(Role.SALES_REP)
    token, secret = await tokens.create(actor(rep), "script")
    async with served(crm_app) as host, token_socket(f"ws://{host}/graphql", secret) as ws:
        await ws.send(NOTIFICATIONS)
        await hub.wait_for_subscribers(topics.notifications(rep.id))
        await tokens.revoke(actor(rep), token.id)
        code, received = await ws.closed()
    assert code == 4403 and not [m for m in received if m["type"] == "next" and m["payload"].get("data")]


async def test_a_demoted_admin_cannot_update_users_on_the_socket_opened_as_admin(crm_app, no_pubsub, no_poll):
    boss, admin, victim = await make_user(Role.ADMIN), await make_user(Role.ADMIN), await make_user(Role.SALES_REP)
    _, secret = await tokens.create(actor(admin), "console")
    async with served(crm_app) as host, token_socket(f"ws://{host}/graphql", secret) as ws:
        assert (await ws.result(ME))["data"]["me"]["role"] == "ADMIN"
        await users.update_user(actor(boss), admin.id, admin.version, {"role": Role.SALES_REP})
        victim_before = await User.get(id=victim.id)
        refused = await ws.result(UPDATE_USER, input={"id": str(victim.id), "version": victim_before.version,
                                                      "role": "ADMIN"})
        assert code_of(refused) in ("UNAUTHENTICATED", "FORBIDDEN") and not refused.get("data")
        code, _ = await ws.closed()
    assert code == 4403
    assert (await User.get(id=victim.id)).role is Role.SALES_REP


async def test_a_deactivated_users_subscription_ends_and_the_socket_closes(crm_app, no_pubsub):
    admin, rep = await make_user(Role.ADMIN), await make_user(Role.SALES_REP)
    _, secret = await tokens.create(actor(rep), "phone")
    async with served(crm_app) as host, token_socket(f"ws://{host}/graphql", secret) as ws:
        await ws.send(NOTIFICATIONS)
        await hub.wait_for_subscribers(topics.notifications(rep.id))
        await users.update_user(actor(admin), rep.id, rep.version, {"active": False})
        code, _ = await ws.closed()
        await until(lambda: hub.subscriber_count(topics.notifications(rep.id)) == 0, what="the stream to end")
    assert code == 4403


async def signed_in(user: User) -> tuple[str, Actor]:
    cookie = await sessions.start(user.id, "test", get_settings())
    return cookie, Actor.for_user(user, via="ui", session_id=sessions.session_id(cookie))


async def test_signing_out_closes_the_sessions_socket(crm_app, no_pubsub):
    rep = await make_user(Role.SALES_REP, await make_team())
    cookie, who = await signed_in(rep)
    async with served(crm_app) as host, cookie_socket(host, cookie) as ws:
        assert (await ws.result(ME))["data"]["me"]["email"] == rep.email
        await users.sign_out(who)
        code, _ = await ws.closed()
    assert code == 4403


@pytest.mark.parametrize("expiry", ["idle", "absolute"])
async def test_an_expiring_session_closes_its_socket(crm_app, no_pubsub, expiry):
    rep = await make_user(Role.SUPPORT)
    cookie, who = await signed_in(rep)
    async with served(crm_app) as host, cookie_socket(host, cookie) as ws:
        await ws.send(NOTIFICATIONS)
        await hub.wait_for_subscribers(topics.notifications(rep.id))
        past = sessions.now() - timedelta(seconds=1)
        if expiry == "idle":
            await Session.filter(id=who.session_id).update(
                last_seen_at=past - timedelta(seconds=get_settings().session_idle_seconds))
        else:
            await Session.filter(id=who.session_id).update(expires_at=past)
        code, _ = await ws.closed()
    assert code == 4403


async def test_a_socket_whose_rights_hold_stays_open_and_keeps_its_identity(crm_app, no_pubsub):
    rep = await make_user(Role.SALES_REP)
    _, secret = await tokens.create(actor(rep), "script")
    async with served(crm_app) as host, token_socket(f"ws://{host}/graphql", secret) as ws:
        await watched(1)
        from backend.auth import liveness

        await liveness.watcher.check()  # a whole pass of the periodic re-check, then an operation
        assert (await ws.result(ME))["data"]["me"]["email"] == rep.email


async def test_a_revocation_on_one_process_closes_the_socket_on_another_without_pubsub(db):
    """memory:// on each process: no message can cross from A to B, only B's own re-check can act."""
    rep = await make_user(Role.SALES_REP)
    token, secret = await tokens.create(actor(rep), "laptop")
    _, admin_secret = await tokens.create(actor(await make_user(Role.ADMIN)), "admin")
    async with crm_servers(2, db, "memory://") as (a, b), token_socket(b.ws_url, secret) as ws:
        assert (await ws.result(ME))["data"]["me"]["email"] == rep.email
        await a.graphql(admin_secret, "mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { id } }",
                        input={"id": str(token.id)})
        code, _ = await ws.closed()
    assert code == 4403


@needs_redis_server
async def test_a_revocation_during_a_redis_outage_closes_the_socket_on_the_other_process(db):
    rep = await make_user(Role.SALES_REP)
    token, secret = await tokens.create(actor(rep), "laptop")
    _, admin_secret = await tokens.create(actor(await make_user(Role.ADMIN)), "admin")
    async with redis_server() as redis, crm_servers(2, db, redis.url) as (a, b), token_socket(b.ws_url, secret) as ws:
        assert (await ws.result(ME))["data"]["me"]["email"] == rep.email
        redis.kill()  # the revocation's message is lost: nothing carries it from A to B
        await a.graphql(admin_secret, "mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { id } }",
                        input={"id": str(token.id)})
        code, _ = await ws.closed()
    assert code == 4403
