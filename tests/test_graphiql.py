"""GraphiQL is served by the CRM itself (offline, no CDN), and GET never runs a mutation."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from backend import graphiql
from backend.app import create_app
from backend.models import Customer, Role
from backend.services import tokens
from tests.factories import actor, make_user
from tests.servers import crm_servers

HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture(scope="module", autouse=True)
def assets() -> None:
    graphiql.fetch_assets()  # scripts/test fetched them already; this covers a bare pytest run


@pytest.fixture
async def client(db: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_browser_gets_graphiql_with_only_local_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers=HTML)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls, "the page loads GraphiQL's scripts and styles"
    for url in urls:
        assert url.startswith("/") or url.startswith("data:"), f"{url} is not served by the CRM"
    assert "<script>" not in page.text and "<style" not in page.text, "no inline code: a strict CSP holds"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    for url in (u for u in urls if u.startswith("/")):
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert asset.content.strip(), url
    script = await client.get(f"{graphiql.URL_PREFIX}/graphiql.min.js")
    assert "javascript" in script.headers["content-type"]


async def test_page_script_talks_to_this_server(client: httpx.AsyncClient) -> None:
    script = (await client.get(f"{graphiql.URL_PREFIX}/crm-graphiql.js")).text
    assert "window.location" in script and "subscriptionUrl" in script
    assert "https://" not in script and "unpkg" not in script


async def test_get_runs_queries(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ __typename }"})
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


async def test_get_refuses_mutations_and_writes_nothing(client: httpx.AsyncClient) -> None:
    mutation = 'mutation { createCustomer(input: {name: "Via GET", email: "get@example.com"}) { id } }'
    response = await client.get("/graphql", params={"query": mutation}, headers={"Accept": "application/json"})
    assert response.status_code in (400, 405)
    assert "mutation" in response.text.lower()
    assert await Customer.filter(name="Via GET").count() == 0


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_subscription_over_http_is_400_saying_where_subscriptions_run(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, method: str
) -> None:
    query = "query Q { __typename } subscription S { dealChanged { kind } }"
    sent = {"query": query, "operationName": "S"}
    if method == "GET":
        response = await client.get("/graphql", params=sent, headers={"Accept": "application/json"})
    else:
        response = await client.post("/graphql", json=sent)
    assert response.status_code == 400 and "websocket" in response.text
    assert not [r for r in caplog.records if r.exc_info], "the client's mistake logs no traceback"
    the_query = await client.post("/graphql", json={**sent, "operationName": "Q"})
    assert the_query.json()["data"] == {"__typename": "Query"}, "other operations of the document still run"


async def test_missing_assets_explain_how_to_install(
    client: httpx.AsyncClient, tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graphiql, "ASSET_DIR", tmp_path)
    page = await client.get("/graphql", headers=HTML)
    assert page.status_code == 503
    assert "backend.graphiql" in page.text


def test_assets_are_pinned_to_what_was_fetched(tmp_path: pytest.TempPathFactory) -> None:
    assert graphiql.assets_ready()
    assert not graphiql.assets_ready(tmp_path)


async def test_graphiql_introspection_is_accepted_once_signed_in(client: httpx.AsyncClient) -> None:
    """The first thing the IDE does is this query (GraphiQL 3 asks for input-value deprecations too):
    query limits must let it through for a signed-in user, or the IDE shows no docs and no completion."""
    from graphql import get_introspection_query

    query = {"query": get_introspection_query(descriptions=True, input_value_deprecation=True),
             "operationName": "IntrospectionQuery"}
    anonymous = (await client.post("/graphql", json=query)).json()
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = (await client.post("/graphql", json=query, headers=await admin_token_header())).json()
    assert body.get("errors") is None, body.get("errors")
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def admin_token_header() -> dict[str, str]:
    _, token = await tokens.create(actor(await make_user(Role.ADMIN)), "graphiql")
    return {"Authorization": f"Bearer {token}"}


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
async def server(db: str) -> AsyncIterator[str]:
    """A CRM served by uvicorn on a free port, as a browser reaches it."""
    async with crm_servers(1, db, CRM_OIDC_ISSUER="http://127.0.0.1:9") as (crm_server,):
        yield crm_server.base


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (apt-get install -y chromium)")
async def test_graphiql_works_in_a_browser_without_the_internet(server: str) -> None:
    """Every request the page makes goes to the CRM; under its CSP it loads the schema (introspection is
    for signed-in callers: here by API token) and runs a query."""
    from playwright.async_api import async_playwright, expect

    elsewhere: list[str] = []
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(extra_http_headers=await admin_token_header())

        async def only_the_crm(route) -> None:  # type: ignore[no-untyped-def]
            if route.request.url.startswith(server):
                await route.continue_()
            else:
                elsewhere.append(route.request.url)
                await route.abort()

        await page.route("**/*", only_the_crm)
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        await page.goto(f"{server}/graphql?q={quote('{ __typename }')}")
        await expect(page.locator(".graphiql-container")).to_be_visible()
        await page.locator(".graphiql-execute-button").click()
        await expect(page.locator(".result-window")).to_contain_text('"__typename": "Query"')
        await page.locator('[aria-label="Show Documentation Explorer"]').click()  # needs the introspected schema
        await expect(page.locator(".graphiql-doc-explorer")).to_contain_text("CustomerConnection")
        await browser.close()
    assert not elsewhere, elsewhere
    assert not problems, problems


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (apt-get install -y chromium)")
async def test_an_anonymous_query_typed_over_the_example_runs(server: str) -> None:
    """A new user replaces the example (a query named Customers) by an anonymous one of their own and runs it:
    GraphiQL would still send the example's operation name, which the server refuses; the page sends only a
    name the query defines."""
    from playwright.async_api import async_playwright, expect

    sent: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(extra_http_headers=await admin_token_header())
        page.on("request", lambda request: sent.append(request.post_data or "") if request.method == "POST" else None)
        await page.goto(f"{server}/graphql")
        await expect(page.locator(".graphiql-query-editor")).to_contain_text("query Customers")
        await page.locator(".graphiql-query-editor .CodeMirror").click()
        await page.keyboard.press("Control+A")
        await page.keyboard.press("Delete")
        await page.keyboard.type("{ me { email } }")
        await page.locator(".graphiql-execute-button").click()
        await expect(page.locator(".result-window")).to_contain_text('"email"')
        await browser.close()
    ran = [json.loads(body) for body in sent if body and "me { email }" in body]
    assert ran and all(request.get("operationName") is None for request in ran), ran
