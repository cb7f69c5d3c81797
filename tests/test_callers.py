"""The caller cache (backend/auth/callers.py): a warm token or session costs no SQL, and every way its rights
end still holds — at once for this process's writes and for revocations heard on the topic, within the
re-check for what no event announces, and never while the listening is broken."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta

import httpx

from backend.auth import sessions
from backend.auth.callers import callers, hears_every_revocation
from backend.live import topics
from backend.live.broadcast import MISSED, hub
from backend.live.events import Event, TokenRevoked
from backend.models import ApiToken, Role, Session
from backend.services import tokens
from backend.serving import WorkerLoop
from backend.settings import get_settings
from backend.web.requests import actor_for_token
from tests.factories import actor, make_user, ok
from tests.oidc import APP, browser, crm_app, error_code, graphql, issuer, put_demo_user, session_cookie, sign_in
from tests.servers import CrmServer, crm_servers, needs_redis_server, redis_server, until
from tests.sqlcount import count_statements

__all__ = ["crm_app", "issuer"]

ME = "{ me { email role } }"
UPDATE_USER = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { id role } }"
REVOKE = "mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { id } }"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def touching(statements: list[str], table: str) -> list[str]:
    return [sql for sql in statements if f'"{table}"' in sql]


async def test_a_warm_token_and_a_warm_session_cost_no_sql(crm_app, issuer):
    rep = await make_user(Role.SALES_REP)
    _, secret = await tokens.create(actor(rep), "etl")
    await put_demo_user(issuer, "warm@example.com", "support")
    async with browser(crm_app) as client:
        await sign_in(client, "warm@example.com")
        with count_statements() as cold:
            await graphql(client, ME, headers=bearer(secret))
            await graphql(client, ME)
        with count_statements() as warm:
            for _ in range(3):
                assert (await graphql(client, ME, headers=bearer(secret)))["data"]["me"]["email"] == rep.email
                assert (await graphql(client, ME))["data"]["me"]["email"] == "warm@example.com"
    assert touching(cold, "api_token") and touching(cold, "crm_session")
    assert touching(warm, "api_token") == [] and touching(warm, "crm_session") == []


async def test_this_processs_revocation_sign_out_and_role_change_hold_before_the_write_answers(crm_app, issuer):
    admin, rep = await make_user(Role.ADMIN), await make_user(Role.SALES_REP)
    token, secret = await tokens.create(actor(rep), "laptop")
    await put_demo_user(issuer, "leaving@example.com", "support")
    async with browser(crm_app) as client:
        assert (await graphql(client, ME, headers=bearer(secret)))["data"]["me"]["role"] == "SALES_REP"
        await ok(admin, UPDATE_USER, input={"id": str(rep.id), "version": rep.version, "role": "SALES_HEAD"})
        assert (await graphql(client, ME, headers=bearer(secret)))["data"]["me"]["role"] == "SALES_HEAD"
        await ok(admin, REVOKE, input={"id": str(token.id)})
        assert error_code(await graphql(client, ME, headers=bearer(secret))) == "UNAUTHENTICATED"

        await sign_in(client, "leaving@example.com")
        cookie = session_cookie(client)
        assert (await graphql(client, ME))["data"]["me"]
        assert (await client.post(f"{APP}/auth/logout")).status_code == 200
        client.cookies.set("crm_session", cookie or "")
        assert error_code(await graphql(client, ME)) == "UNAUTHENTICATED"


async def test_a_revocation_heard_on_the_topic_ends_a_held_token_at_once(db):
    """Another process revoked it: the row changed there, the event arrives here."""
    rep = await make_user(Role.SALES_REP)
    token, secret = await tokens.create(actor(rep), "laptop")
    assert await actor_for_token(secret) is not None
    await ApiToken.filter(id=token.id).update(revoked_at=datetime.now(UTC))
    assert await actor_for_token(secret) is not None  # held: the row is not read again on each request
    await hub.publish(Event.of(topics.access_revoked(), TokenRevoked(token_id=token.id)))
    await until(lambda: callers.count() == 0, timeout=5, what="the held token to be forgotten")
    assert await actor_for_token(secret) is None


async def test_the_re_check_ends_what_no_event_announced(db):
    rep = await make_user(Role.SALES_REP)
    token, secret = await tokens.create(actor(rep), "laptop")
    assert await actor_for_token(secret) is not None
    await ApiToken.filter(id=token.id).update(revoked_at=datetime.now(UTC))  # by hand: nobody publishes
    await until(lambda: callers.count() == 0, timeout=5, what="the re-check to drop the revoked token")
    assert await actor_for_token(secret) is None


async def test_a_broken_listening_empties_the_cache_at_once_and_holds_again_once_resubscribed(db):
    rep = await make_user(Role.SALES_REP)
    _, secret = await tokens.create(actor(rep), "laptop")
    await actor_for_token(secret)
    assert callers.count() == 1 and callers.holding
    hub._end_streams(MISSED)  # what a lost Redis, its return or another process's dropped events do
    assert not callers.holding
    with count_statements() as meanwhile:
        assert await actor_for_token(secret) is not None  # read from the database, not from the cache
    assert touching(meanwhile, "api_token") and callers.count() == 0
    await until(lambda: callers.holding, timeout=5, what="the cache to listen again")
    await actor_for_token(secret)
    with count_statements() as warm:
        await actor_for_token(secret)
    assert callers.count() == 1 and touching(warm, "api_token") == []


async def test_a_read_begun_before_a_revocation_is_not_kept(db):
    """A request that read the row, then the revocation's event, then the request would store the row."""
    rep = await make_user(Role.SALES_REP)
    token, secret = await tokens.create(actor(rep), "laptop")
    row = await ApiToken.get(id=token.id).select_related("user")
    read_at = callers.generation
    callers.forget([Event.of(topics.access_revoked(), TokenRevoked(token_id=token.id))])
    callers.put(("token", hashlib.sha256(secret.encode()).hexdigest()), row, read_at, datetime.now(UTC))
    assert callers.count() == 0


async def test_a_held_session_still_goes_idle(crm_app, issuer, monkeypatch):
    await put_demo_user(issuer, "idle2@example.com", "support")
    async with browser(crm_app) as client:
        await sign_in(client, "idle2@example.com")
        assert (await graphql(client, ME))["data"]["me"]
        assert callers.count() == 1
        later = sessions.now() + timedelta(seconds=get_settings().session_idle_seconds + 1)
        monkeypatch.setattr(sessions, "now", lambda: later)  # a working day without a request
        assert error_code(await graphql(client, ME)) == "UNAUTHENTICATED"
    assert (await Session.get(user__email="idle2@example.com")).ended_at is not None and callers.count() == 0


def test_only_a_process_that_hears_every_revocation_holds_callers() -> None:
    plain, worker = asyncio.new_event_loop(), WorkerLoop()
    try:
        assert hears_every_revocation("memory://", plain)  # the only server: every revocation is its own
        assert not hears_every_revocation("memory://", worker)  # one of several workers, nothing between them
        assert hears_every_revocation("redis://127.0.0.1:6379/0", worker)
    finally:
        plain.close()
        worker.close()


async def test_a_revocation_on_another_server_without_redis_holds_within_the_re_check(db):
    """Two servers on one database, each on its own in-process broadcast: nothing carries the revocation
    from A to B, so B's re-check ends the token it holds (CRM_ACCESS_CHECK_SECONDS, 1 s here)."""
    rep = await make_user(Role.SALES_REP)
    token, secret = await tokens.create(actor(rep), "laptop")
    _, admin_secret = await tokens.create(actor(await make_user(Role.ADMIN)), "admin")
    async with crm_servers(2, db, "memory://", CRM_ACCESS_CHECK_SECONDS="1") as (a, b):
        assert (await b.graphql(secret, ME))["me"]["email"] == rep.email
        await a.graphql(admin_secret, REVOKE, input={"id": str(token.id)})
        await until(lambda: refused(b, secret), timeout=10, what="B to refuse the revoked token")


@needs_redis_server
async def test_a_revocation_on_another_server_with_redis_ends_the_held_token_by_its_event(db):
    """The re-check is an hour away here: only the event can end the token B holds."""
    rep = await make_user(Role.SALES_REP)
    token, secret = await tokens.create(actor(rep), "laptop")
    _, admin_secret = await tokens.create(actor(await make_user(Role.ADMIN)), "admin")
    async with redis_server() as redis, crm_servers(2, db, redis.url, CRM_ACCESS_CHECK_SECONDS="3600") as (a, b):
        assert (await b.graphql(secret, ME))["me"]["email"] == rep.email
        await a.graphql(admin_secret, REVOKE, input={"id": str(token.id)})
        await until(lambda: refused(b, secret), timeout=3, what="B to refuse the revoked token")


async def refused(server: CrmServer, secret: str) -> bool:
    async with httpx.AsyncClient(timeout=10) as http:
        answer = (await http.post(f"{server.base}/graphql", json={"query": ME}, headers=bearer(secret))).json()
    return error_code(answer) == "UNAUTHENTICATED"
