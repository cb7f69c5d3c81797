"""API tokens: created and shown once, stored hashed, used as Bearer (HTTP and websockets), revoked."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from backend.auth.actor import Actor
from backend.auth.callers import callers
from backend.auth.sessions import now
from backend.errors import NotFound
from backend.models import ApiToken, AuditEntry, Role
from backend.services.tokens import create_token_for_email
from tests.factories import error, make_user, ok
from tests.oidc import (
    access_revocations,
    browser,
    crm_app,
    error_code,
    graphql,
    issuer,
    put_demo_user,
    served,
    session_cookie,
    sign_in,
)

__all__ = ["crm_app", "issuer"]

CREATE = (
    "mutation($input: CreateApiTokenInput!) "
    "{ createApiToken(input: $input) { token apiToken { id name prefix createdAt lastUsedAt } } }"
)
REVOKE = "mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { id revokedAt } }"
ME = "{ me { email apiTokens { id name prefix lastUsedAt } } }"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_create_shows_the_secret_once_and_stores_only_its_hash(db):
    rep = await make_user(Role.SALES_REP)
    created = (await ok(rep, CREATE, input={"name": "zapier"}))["createApiToken"]
    secret, record = created["token"], created["apiToken"]
    assert secret.startswith(f"crm_{record['prefix']}_") and len(secret) > 40
    row = await ApiToken.get(id=int(record["id"]))
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in json.dumps(vars(row), default=str)
    listed = (await ok(rep, ME))["me"]["apiTokens"]
    assert listed == [{"id": record["id"], "name": "zapier", "prefix": record["prefix"], "lastUsedAt": None}]
    entry = await AuditEntry.get(action="api_token.create")
    assert entry.entity_id == record["id"] and secret not in json.dumps(entry.changes)
    duplicate = await error(rep, CREATE, input={"name": "zapier"})
    assert (duplicate["code"], duplicate["field"]) == ("BAD_USER_INPUT", "name")
    blank = await error(rep, CREATE, input={"name": "  "})
    assert (blank["code"], blank["field"]) == ("BAD_USER_INPUT", "name")


async def test_token_authenticates_http_requests_and_names_itself_in_the_audit(crm_app):
    admin = await make_user(Role.ADMIN, email="bot-owner@example.com")
    secret = (await ok(admin, CREATE, input={"name": "etl"}))["createApiToken"]["token"]
    async with browser(crm_app) as client:
        me = (await graphql(client, ME, headers=bearer(secret)))["data"]["me"]
        assert me["email"] == "bot-owner@example.com" and me["apiTokens"][0]["lastUsedAt"] is not None
        created = await graphql(
            client,
            'mutation { createCustomer(input: {name: "Via Token", email: "t@example.com"}) { id } }',
            headers=bearer(secret),
        )
        assert created["data"]["createCustomer"]["id"]
        assert error_code(await graphql(client, ME, headers=bearer(secret + "x"))) == "UNAUTHENTICATED"
        assert error_code(await graphql(client, ME, headers={"Authorization": f"Basic {secret}"})) == "UNAUTHENTICATED"
    entry = await AuditEntry.get(action="customer.create")
    assert (entry.via, entry.actor_id) == ("token:etl", admin.id)


async def test_last_used_at_is_written_at_most_once_a_minute(crm_app):
    rep = await make_user(Role.SALES_REP)
    secret = (await ok(rep, CREATE, input={"name": "n"}))["createApiToken"]["token"]
    async with browser(crm_app) as client:
        await graphql(client, ME, headers=bearer(secret))
        first = (await ApiToken.get(user_id=rep.id)).last_used_at
        await graphql(client, ME, headers=bearer(secret))
        assert (await ApiToken.get(user_id=rep.id)).last_used_at == first
        await ApiToken.filter(user_id=rep.id).update(last_used_at=now() - timedelta(minutes=2))
        await callers.recheck()  # the held token sees the row's edit at its re-check (each second)
        await graphql(client, ME, headers=bearer(secret))
        assert (await ApiToken.get(user_id=rep.id)).last_used_at > first - timedelta(seconds=1)


async def test_revoked_token_is_unauthenticated_and_its_streams_are_told(crm_app):
    rep = await make_user(Role.SALES_REP)
    created = (await ok(rep, CREATE, input={"name": "old"}))["createApiToken"]
    async with browser(crm_app) as client:
        assert (await graphql(client, ME, headers=bearer(created["token"])))["data"]["me"]
        async with access_revocations() as next_event:
            revoked = (await ok(rep, REVOKE, input={"id": created["apiToken"]["id"]}))["revokeApiToken"]
            event = await next_event()
        assert revoked["revokedAt"] and event.payload == {"token_id": int(revoked["id"])}
        assert error_code(await graphql(client, ME, headers=bearer(created["token"]))) == "UNAUTHENTICATED"
    assert (await ok(rep, ME))["me"]["apiTokens"] == []
    assert await AuditEntry.filter(action="api_token.revoke", entity_id=revoked["id"]).count() == 1


async def test_only_the_owner_or_an_admin_revokes(db):
    owner, other, admin = await make_user(Role.SALES_REP), await make_user(Role.SALES_REP), await make_user(Role.ADMIN)
    token_id = (await ok(owner, CREATE, input={"name": "mine"}))["createApiToken"]["apiToken"]["id"]
    assert (await error(other, REVOKE, input={"id": token_id}))["code"] == "NOT_FOUND"
    assert (await ok(admin, REVOKE, input={"id": token_id}))["revokeApiToken"]["revokedAt"]
    assert (await error(owner, REVOKE, input={"id": "999999"}))["code"] == "NOT_FOUND"


async def test_a_deactivated_users_token_stops_working(crm_app):
    admin, rep = await make_user(Role.ADMIN), await make_user(Role.SALES_REP)
    secret = (await ok(rep, CREATE, input={"name": "n"}))["createApiToken"]["token"]
    await ok(
        admin,
        "mutation($input: UpdateUserInput!) { updateUser(input: $input) { active } }",
        input={"id": str(rep.id), "version": rep.version, "active": False},
    )
    async with browser(crm_app) as client:
        assert error_code(await graphql(client, ME, headers=bearer(secret))) == "UNAUTHENTICATED"


async def test_create_token_for_email_from_the_command_line(db):
    rep = await make_user(Role.SALES_REP, email="cli-user@example.com")
    secret = await create_token_for_email(Actor.system(via="cli"), "CLI-User@example.com", "nightly")
    token = await ApiToken.get(user_id=rep.id)
    assert token.name == "nightly" and token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (await AuditEntry.get(action="api_token.create")).via == "cli"
    with pytest.raises(NotFound) as missing:
        await create_token_for_email(Actor.system(via="cli"), "nobody@example.com")
    assert "nobody@example.com" in str(missing.value)


async def _first_result(ws, query: str) -> dict:
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
    while True:
        message = json.loads(await ws.recv())
        if message["type"] in ("next", "error"):
            return message["payload"] if message["type"] == "next" else {"errors": message["payload"]}


async def test_websocket_authenticates_by_token_in_connection_init_or_header(crm_app):
    rep = await make_user(Role.SALES_REP, email="ws@example.com")
    secret = (await ok(rep, CREATE, input={"name": "ws"}))["createApiToken"]["token"]
    async with served(crm_app) as host:
        url = f"ws://{host}/graphql"
        async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {secret}"}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            assert (await _first_result(ws, "{ me { email } }"))["data"]["me"]["email"] == "ws@example.com"
        async with connect(url, subprotocols=["graphql-transport-ws"], additional_headers=bearer(secret)) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            assert (await _first_result(ws, "{ me { email } }"))["data"]["me"]["email"] == "ws@example.com"
        async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer crm_bad_token"}}))
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == 4403
        async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # no credentials at all
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            result = await _first_result(ws, "{ me { email } }")
            assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_websocket_origin_and_cookie_rules(crm_app, issuer):
    await put_demo_user(issuer, "wscookie@example.com", "support")
    async with browser(crm_app) as client:
        await sign_in(client, "wscookie@example.com")
        cookie = {"Cookie": f"crm_session={session_cookie(client)}"}
    async with served(crm_app) as host:
        url = f"ws://{host}/graphql"
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url, subprotocols=["graphql-transport-ws"], origin="https://evil.example"):
                pass
        assert refused.value.response.status_code == 403
        async with connect(
            url, subprotocols=["graphql-transport-ws"], origin=f"http://{host}", additional_headers=cookie
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            assert (await _first_result(ws, "{ me { email } }"))["data"]["me"]["email"] == "wscookie@example.com"
        # No Origin: not a browser, so the cookie does not count; such clients send a token.
        async with connect(url, subprotocols=["graphql-transport-ws"], additional_headers=cookie) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            result = await _first_result(ws, "{ me { email } }")
            assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_token_cannot_create_tokens_but_can_revoke_itself(crm_app):
    rep = await make_user(Role.SALES_REP)
    created = (await ok(rep, CREATE, input={"name": "self"}))["createApiToken"]
    async with browser(crm_app) as client:
        minted = await graphql(client, CREATE, headers=bearer(created["token"]), input={"name": "child"})
        assert error_code(minted) == "FORBIDDEN"
        revoked = await graphql(client, REVOKE, headers=bearer(created["token"]), input={"id": created["apiToken"]["id"]})
        assert revoked["data"]["revokeApiToken"]["revokedAt"]
        assert error_code(await graphql(client, ME, headers=bearer(created["token"]))) == "UNAUTHENTICATED"
