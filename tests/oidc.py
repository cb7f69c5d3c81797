"""Test helpers for signing in for real: a running oidc-provider-mock, the CRM app pointed at it, and
the whole authorization-code flow driven through one httpx client (the app in-process, the provider
over HTTP). Import the fixtures into a test module to use them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import oidc_provider_mock
import pytest
from starlette.applications import Starlette

from backend.auth.sessions import COOKIE
from backend.devidp import demo_claims
from backend.live import topics
from backend.live.broadcast import hub
from backend.live.events import Event
from backend.settings import reset_settings

APP = "http://testserver"


@pytest.fixture(scope="session")
def issuer() -> Iterator[str]:
    """A real OpenID provider on a free port, for the whole test session."""
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def crm_app(db: str, issuer: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Starlette]:
    """The CRM app signing in at the test provider (the `database` fixture already set up Tortoise)."""
    from backend.app import create_app

    monkeypatch.setenv("CRM_OIDC_ISSUER", issuer)
    monkeypatch.setenv("CRM_OIDC_CLIENT_ID", "crm-test")
    monkeypatch.setenv("CRM_OIDC_CLIENT_SECRET", "test-secret")
    reset_settings()
    yield create_app()
    monkeypatch.undo()
    reset_settings()


@asynccontextmanager
async def browser(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """One user agent: its own cookie jar; requests to the app stay in-process, the provider is real."""
    async with httpx.AsyncClient(mounts={APP: httpx.ASGITransport(app)}, timeout=10.0) as client:
        yield client


async def put_user(issuer: str, sub: str, claims: dict[str, Any]) -> None:
    async with httpx.AsyncClient(timeout=5.0) as client:
        (await client.put(f"{issuer}/users/{sub}", json=claims)).raise_for_status()


async def put_demo_user(issuer: str, email: str, role: str | list[str] | None, name: str | None = None) -> None:
    claims = demo_claims(email, name or email.split("@")[0].title(), role if isinstance(role, str) else "")
    if role is None:
        del claims["groups"]
    elif isinstance(role, list):
        claims["groups"] = role
    await put_user(issuer, email, claims)


async def start_login(client: httpx.AsyncClient, next_path: str | None = None) -> str:
    """GET /auth/login; returns the provider's authorization URL it redirects to."""
    response = await client.get(f"{APP}/auth/login", params={"next": next_path} if next_path else None)
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def approve(client: httpx.AsyncClient, authorize_url: str, sub: str) -> str:
    """Submit the provider's sign-in form as `sub`; returns the callback URL it redirects to."""
    response = await client.post(authorize_url, data={"sub": sub})
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def sign_in(client: httpx.AsyncClient, sub: str, next_path: str | None = None) -> httpx.Response:
    """The whole flow: /auth/login → provider form → /auth/callback; returns the callback's response."""
    callback = await approve(client, await start_login(client, next_path), sub)
    return await client.get(callback)


def session_cookie(client: httpx.AsyncClient) -> str | None:
    return client.cookies.get(COOKIE)


async def graphql(
    client: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None, **variables: Any
) -> dict[str, Any]:
    response = await client.post(f"{APP}/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def error_code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


def query_params(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@asynccontextmanager
async def access_revocations() -> AsyncIterator[Any]:
    """Listen on topics.access_revoked(); `await next_event()` waits for the next one."""
    async with hub.subscribe(topics.access_revoked()) as subscription:
        events = aiter(subscription)

        async def next_event() -> Event:
            return await asyncio.wait_for(anext(events), timeout=5)

        yield next_event


@asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """The app on a real socket (for websockets), in this event loop so it shares the test's database."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
