"""Every kind of page carries the security headers it needs (backend/security_headers.py), walked in one place."""

from __future__ import annotations

import httpx
import pytest

from backend import graphiql
from backend.app import create_app
from backend.auth import sessions
from backend.models import Role
from backend.settings import get_settings
from tests.factories import make_user, open_campaign

HTML = {"accept": "text/html"}
NOSNIFF = ("x-content-type-options", "nosniff")
NO_FRAMING = "frame-ancestors 'none'"


@pytest.fixture(scope="module", autouse=True)
def assets() -> None:
    graphiql.fetch_assets()  # GraphiQL's page (not its 503 "not installed" one) is walked too


async def session_of(user_id: int) -> dict[str, str]:
    return {**HTML, "cookie": f"{sessions.COOKIE}={await sessions.start(user_id, 'test', get_settings())}"}


async def test_every_kind_of_page_has_its_security_headers(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    code = (await open_campaign(admin))["code"]
    signed_in = await session_of(admin.id)
    without_role = await session_of((await make_user(None)).id)
    # (path, request headers, status, headers it must have, what its CSP must say, headers it must not have)
    pages = [
        ("/", signed_in, 200, [NOSNIFF, ("referrer-policy", "same-origin")], ["script-src 'self' 'sha256-", NO_FRAMING], []),
        ("/nowhere", signed_in, 404, [NOSNIFF, ("referrer-policy", "same-origin")], [NO_FRAMING], []),
        ("/", HTML, 303, [NOSNIFF], None, []),  # signed out: off to sign in
        ("/", without_role, 403, [NOSNIFF, ("referrer-policy", "same-origin")], ["default-src 'none'", NO_FRAMING], []),
        ("/auth/logout", HTML, 200, [NOSNIFF, ("referrer-policy", "same-origin")], ["default-src 'none'", NO_FRAMING], []),
        (f"/c/{code}", HTML, 200, [NOSNIFF, ("x-frame-options", "SAMEORIGIN")], ["frame-ancestors 'self'"], []),
        (f"/c/{code}/embed", HTML, 200, [NOSNIFF], ["frame-ancestors *"], ["x-frame-options"]),  # framed by any site
        ("/graphql", HTML, 200, [NOSNIFF], ["script-src 'self';", NO_FRAMING], []),
        ("/healthz", {}, 200, [NOSNIFF], None, []),
        ("/nowhere", HTML, 404, [NOSNIFF], None, []),
    ]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://testserver") as client:
        for path, request_headers, status, must, policy, must_not in pages:
            response = await client.get(path, headers=request_headers)
            where = f"{path} ({request_headers.get('cookie', 'signed out')})"
            assert response.status_code == status, where
            for name, value in must:
                assert response.headers.get(name) == value, f"{where}: {name}"
            for directive in policy or []:
                assert directive in response.headers["content-security-policy"], f"{where}: {directive}"
            for name in must_not:
                assert name not in response.headers, f"{where}: {name}"
