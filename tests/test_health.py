"""/healthz: anyone learns whether the CRM is healthy (the status and its HTTP code, what a load balancer
needs); only a signed-in admin, by session cookie or API token, sees the details and error texts."""

from __future__ import annotations

import httpx
import pytest

from backend.app import create_app
from backend.auth import sessions
from backend.live.broadcast import hub
from backend.models import Role
from backend.services import tokens
from backend.settings import get_settings
from tests.factories import actor, make_user

APP = create_app()
SECRET_ERROR = "ConnectionError: Error connecting to redis://:hunter2@10.9.8.7:6379"


def client(**headers: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(APP), base_url="http://testserver", headers=headers)


@pytest.fixture
def redis_down(monkeypatch: pytest.MonkeyPatch) -> None:
    healthy = hub.status

    def down() -> dict[str, object]:
        return {**healthy(), "connected": False, "lastError": SECRET_ERROR}

    monkeypatch.setattr(hub, "status", down)


async def admin_token() -> str:
    _, secret = await tokens.create(actor(await make_user(Role.ADMIN)), "monitor")
    return secret


async def test_anonymous_callers_get_the_status_only(db):
    async with client() as anyone:
        answer = await anyone.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


async def test_anonymous_callers_learn_degraded_without_the_error_text(db, redis_down):
    async with client() as anyone:
        answer = await anyone.get("/healthz")
    assert answer.status_code == 503 and answer.json() == {"status": "degraded"}
    assert "hunter2" not in answer.text and "10.9.8.7" not in answer.text


async def test_an_admin_token_sees_the_details(db, redis_down):
    async with client(authorization=f"Bearer {await admin_token()}") as monitor:
        answer = await monitor.get("/healthz")
    body = answer.json()
    assert answer.status_code == 503 and body["status"] == "degraded" and body["database"] == "ok"
    assert body["broadcast"]["lastError"] == SECRET_ERROR and body["broadcast"]["connected"] is False


async def test_an_admin_session_sees_the_details(db):
    admin = await make_user(Role.ADMIN)
    cookie = await sessions.start(admin.id, "test", get_settings())
    async with client(cookie=f"{sessions.COOKIE}={cookie}") as browser:
        body = (await browser.get("/healthz")).json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["broadcast"]["backend"] == "memory"


@pytest.mark.parametrize("role", [Role.SALES_HEAD, Role.SALES_REP, Role.SUPPORT, Role.MARKETING])
async def test_other_roles_and_bad_tokens_get_the_status_only(db, redis_down, role):
    _, secret = await tokens.create(actor(await make_user(role)), "not an admin")
    for authorization in (f"Bearer {secret}", "Bearer wrong", "Basic x"):
        async with client(authorization=authorization) as caller:
            answer = await caller.get("/healthz")
        assert answer.status_code == 503 and answer.json() == {"status": "degraded"}, authorization


async def test_the_status_is_given_even_when_the_database_is_down(db, monkeypatch):
    from tortoise import connections

    broken = connections.get("default")

    async def fails(*args: object, **kwargs: object) -> None:
        raise OSError("connection refused by 10.9.8.7")

    monkeypatch.setattr(broken, "execute_query", fails)
    async with client() as anyone:
        answer = await anyone.get("/healthz")
    assert answer.status_code == 503 and answer.json() == {"status": "degraded"}
