"""Fifty clients on two server processes change the same deal and like the same campaign at once:
every write lands exactly once (stale versions are refused and retried, never overwritten) and every
like and view is counted — on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta

import httpx

from backend.auth.actor import Actor
from backend.models import Campaign, CampaignStatus, CampaignType, Customer, Deal, Pipeline, Role, Stage, Visibility
from backend.services import tokens
from tests.factories import make_user
from tests.servers import CrmServer, crm_servers

CLIENTS = 50
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
READ = 'query($id: ID!) { deal(id: $id) { version amount { amount } } }'
UPDATE = """mutation($input: UpdateDealInput!) { updateDeal(input: $input) { version } }"""


async def _post_graphql(http: httpx.AsyncClient, server: CrmServer, token: str, query: str, **variables) -> dict:
    response = await http.post(
        f"{server.base}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.json()


async def _add_one(http: httpx.AsyncClient, server: CrmServer, token: str, deal_id: int) -> int:
    """Read the deal, add one cent with the version read; on CONFLICT read again. Returns the attempts."""
    for attempt in range(1, 200):
        current = (await _post_graphql(http, server, token, READ, id=str(deal_id)))["data"]["deal"]
        body = await _post_graphql(
            http, server, token, UPDATE,
            input={"id": str(deal_id), "version": current["version"], "amount": current["amount"]["amount"] + 1},
        )
        if not body.get("errors"):
            return attempt
        assert body["errors"][0]["extensions"]["code"] == "CONFLICT", body["errors"]
    raise AssertionError("a client never got its write in")


async def _like(http: httpx.AsyncClient, server: CrmServer, code: str) -> None:
    """A new visitor opens the public page (one view) and likes it with the page's CSRF token."""
    async with httpx.AsyncClient(timeout=60, base_url=server.base) as visitor:
        page = await visitor.get(f"/c/{code}")
        assert page.status_code == 200, page.text
        token = CSRF.search(page.text).group(1)
        response = await visitor.post(f"/c/{code}/like", data={"csrf": token}, headers={"accept": "application/json"})
        assert response.status_code == 200, response.text


async def test_fifty_clients_on_two_processes_lose_nothing(db):
    admin = await make_user(Role.ADMIN)
    _, token = await tokens.create(Actor.for_user(admin, via="test"), "concurrency")
    pipeline = await Pipeline.get(is_default=True)
    stage = await Stage.filter(pipeline=pipeline).order_by("position").first()
    customer = await Customer.create(name="Contended GmbH", email="c@example.com")
    deal = await Deal.create(title="Contended deal", customer=customer, pipeline=pipeline, stage=stage, amount=0)
    campaign = await Campaign.create(
        title="Busy campaign", code="busy-campaign", type=CampaignType.PROMOTION, visibility=Visibility.PUBLIC,
        status=CampaignStatus.ACTIVE, starts_on=date.today() - timedelta(days=1), ends_on=date.today() + timedelta(days=9),
    )

    async with crm_servers(2, db, CRM_PUBLIC_RATE_LIMIT="100000") as servers, httpx.AsyncClient(timeout=60) as http:
        work = []
        for i in range(CLIENTS):
            server = servers[i % 2]
            work.append(_add_one(http, server, token, deal.id))
            work.append(_like(http, servers[(i + 1) % 2], campaign.code))
        results = await asyncio.gather(*work)

    attempts = [r for r in results if isinstance(r, int)]
    final = await Deal.get(id=deal.id)
    assert final.amount == CLIENTS, "a write was lost"
    assert final.version == 1 + CLIENTS
    assert sum(attempts) >= CLIENTS
    counted = await Campaign.get(id=campaign.id)
    assert (counted.views, counted.likes) == (CLIENTS, CLIENTS)
