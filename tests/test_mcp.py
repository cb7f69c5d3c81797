"""The MCP server through the SDK's own client: over streamable HTTP at /mcp (in-process) and over stdio
(`crm mcp` as a desktop assistant starts it), acting as the token's user with that user's row rules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from backend.auth.actor import Actor
from backend.mcp.http import endpoint
from backend.models import Activity, ApiToken, AuditEntry, Role
from backend.services.tokens import create_token_for_email
from tests.factories import make_customer, make_team, make_user

APP = "http://testserver"
CRM = Path(sys.executable).parent / "crm"


@pytest.fixture
def crm_app(db: str) -> Any:
    from backend.app import create_app

    return create_app()


async def token_for(role: Role, team: Any = None) -> tuple[Any, str]:
    user = await make_user(role, team=team)
    return user, await create_token_for_email(Actor.system(), user.email, "assistant")


@asynccontextmanager
async def over_http(app: Any, token: str) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app), headers={"Authorization": f"Bearer {token}"},
                              timeout=20.0)
    async with endpoint.running(), http, Client(streamable_http_client(f"{APP}/mcp", http_client=http)) as client:
        yield client


async def call(client: Client, tool: str, **arguments: Any) -> Any:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


async def test_lists_the_tools_and_searches_as_the_token_user(crm_app):
    north, south = await make_team("North"), await make_team("South")
    rep, token = await token_for(Role.SALES_REP, north)
    other = await make_user(Role.SALES_REP, team=south)
    mine = await make_customer(rep, name="Alpine Dairy", city="Bern")
    await make_customer(other, name="Alpine Rail")  # another team's: never shown to rep
    async with over_http(crm_app, token) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert {"search", "read", "my_tasks", "log_activity", "create_task"} <= tools.keys()
        assert tools["search"].annotations.read_only_hint and not tools["log_activity"].annotations.read_only_hint
        assert (await client.call_tool("search", {"text": "alpine"})).structured_content is None  # sent once, as text
        found = await call(client, "search", text="alpine")
        assert found["total"] == 1 and [c["id"] for c in found["items"]] == [mine["id"]]
        record = await call(client, "read", entity="customer", id=mine["id"])
        assert (record["name"], record["city"]) == ("Alpine Dairy", "Bern")
        hidden = await client.call_tool("read", {"entity": "customer", "id": str(int(mine["id"]) + 1)})
        assert hidden.is_error and '"code":"NOT_FOUND"' in hidden.content[0].text


async def test_logs_an_activity_and_creates_a_task_through_the_write_path(crm_app):
    rep, token = await token_for(Role.SALES_REP, await make_team())
    customer = await make_customer(rep, name="Mountain Cheese")
    due = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    async with over_http(crm_app, token) as client:
        logged = await call(client, "log_activity", kind="call", title="Talked about renewal",
                            customer_id=customer["id"], duration_minutes=15)
        assert (logged["kind"], logged["customer"]["name"]) == ("CALL", "Mountain Cheese")
        task = await call(client, "create_task", title="Send the offer", due_at=due.isoformat(),
                          customer_id=customer["id"], priority="high")
        assert (task["kind"], task["priority"], task["assignee"]["name"]) == ("TASK", "HIGH", rep.name)
        tasks = await call(client, "my_tasks")
        assert [t["id"] for t in tasks["items"]] == [task["id"]]
        bad = await client.call_tool("log_activity", {"kind": "note", "title": " ", "customer_id": customer["id"]})
        assert bad.is_error and '"code":"BAD_USER_INPUT"' in bad.content[0].text
    assert await Activity.filter(customer_id=int(customer["id"])).count() == 2
    entry = await AuditEntry.filter(action="activity.log").order_by("-id").first()
    assert entry is not None and (entry.via, entry.actor_id) == ("token:assistant", rep.id)


async def test_a_bad_token_is_refused(crm_app):
    _, token = await token_for(Role.ADMIN)
    async with endpoint.running(), httpx2.AsyncClient(transport=httpx2.ASGITransport(crm_app)) as http:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        for headers in ({}, {"Authorization": f"Bearer {token}x"}, {"Authorization": f"Basic {token}"}):
            refused = await http.post(f"{APP}/mcp", json=body, headers=headers)
            assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")


def _env(**extra: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "CRM_DATA_DIR", "CRM_DATABASE_URL")
    return {**{k: os.environ[k] for k in keep if k in os.environ}, **extra}


async def test_crm_mcp_serves_the_token_user_over_stdio_until_it_is_revoked(db):
    rep, token = await token_for(Role.SALES_REP, await make_team())
    customer = await make_customer(rep, name="Stdio Bakery")
    server = StdioServerParameters(command=str(CRM), args=["mcp"], env=_env(CRM_TOKEN=token))
    async with Client(server, read_timeout_seconds=30) as client:
        assert "search" in {tool.name for tool in (await client.list_tools()).tools}
        found = await call(client, "search", text="bakery")
        assert [c["name"] for c in found["items"]] == [customer["name"]]
        await ApiToken.filter(user_id=rep.id).update(revoked_at=datetime.now(UTC))
        revoked = await client.call_tool("search", {"text": "bakery"})  # each call re-checks the token
        assert revoked.is_error and '"code":"UNAUTHENTICATED"' in revoked.content[0].text
    refused = subprocess.run([str(CRM), "mcp"], env=_env(CRM_TOKEN="crm_nope"), capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, timeout=60)
    assert refused.returncode == 1 and "API token" in refused.stderr and refused.stdout == ""


async def test_an_older_client_calls_tools_with_plain_json_posts(crm_app):
    """Desktop clients of the 2025 protocol (initialize handshake) take the SDK's other path; the token
    user is the same there."""
    rep, token = await token_for(Role.SALES_REP, await make_team())
    customer = await make_customer(rep, name="Handshake Mills")
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2025-06-18"}
    call_search = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                   "params": {"name": "search", "arguments": {"text": "handshake"}}}
    async with endpoint.running(), httpx2.AsyncClient(transport=httpx2.ASGITransport(crm_app)) as http:
        answer = await http.post(f"{APP}/mcp", json=call_search, headers=headers)
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    assert not result.get("isError") and json.loads(result["content"][0]["text"])["items"][0]["id"] == customer["id"]
