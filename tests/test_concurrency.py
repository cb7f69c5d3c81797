"""Fifty clients on two server processes change the same deal and like the same campaign at once:
every write lands exactly once (stale versions are refused and retried, never overwritten) and every
like and view is counted — on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from backend.auth.actor import Actor
from backend.models import (
    Campaign,
    CampaignStatus,
    CampaignType,
    Customer,
    Deal,
    Pipeline,
    Role,
    Stage,
    StageKind,
    Visibility,
)
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


NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)


async def _like(http: httpx.AsyncClient, server: CrmServer, code: str) -> None:
    """A new visitor opens the public page (one view) and likes it with the page's CSRF token."""
    # A connection each: under load the gap between the page and the like can outlast the server's keep-alive
    # (5 s), and a request sent as the server closes the idle connection ends in ReadError, not an answer.
    async with httpx.AsyncClient(timeout=60, base_url=server.base, limits=NO_KEEPALIVE) as visitor:
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
    today = datetime.now(UTC).date()  # the campaign's period is read on its (UTC) calendar, not the machine's
    campaign = await Campaign.create(
        title="Busy campaign", code="busy-campaign", type=CampaignType.PROMOTION, visibility=Visibility.PUBLIC,
        status=CampaignStatus.ACTIVE, starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=9),
    )

    async with crm_servers(2, db, CRM_PUBLIC_RATE_LIMIT="100000") as servers, httpx.AsyncClient(timeout=60, limits=NO_KEEPALIVE) as http:
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


STAGE_FIELDS = "{ id name position }"
CREATE_PIPELINE = "mutation($input: CreatePipelineInput!) { createPipeline(input: $input) { id stages { id name } } }"
UPDATE_PIPELINE = "mutation($input: UpdatePipelineInput!) { updatePipeline(input: $input) { id } }"
CREATE_STAGE = f"mutation($input: CreateStageInput!) {{ createStage(input: $input) {STAGE_FIELDS} }}"
UPDATE_STAGE = f"mutation($input: UpdateStageInput!) {{ updateStage(input: $input) {STAGE_FIELDS} }}"


async def test_admins_reshaping_one_pipeline_at_once_leave_it_consistent(db):
    """Reorders, inserts and renames of one pipeline's stages from two processes at once: every write gets
    its turn (none fails as INTERNAL on the unique (pipeline, position) key), positions end as 0..n-1, and
    of two simultaneous renames the last save wins; races on a pipeline's unique name or on which pipeline
    is the default end in one clear winner."""
    admin = await make_user(Role.ADMIN)
    _, token = await tokens.create(Actor.for_user(admin, via="test"), "concurrency")
    chance = random.Random(7)
    async with crm_servers(2, db) as servers, httpx.AsyncClient(timeout=60, limits=NO_KEEPALIVE) as http:
        def post(i: int, query: str, **values: object) -> Any:
            return _post_graphql(http, servers[i % 2], token, query, input=values)

        created = (await post(0, CREATE_PIPELINE, name="Renewals"))["data"]["createPipeline"]
        pid = created["id"]
        for i in range(5):
            assert not (await post(i, CREATE_STAGE, pipelineId=pid, name=f"Step {i}", probability=20)).get("errors")
        first = created["stages"][0]["id"]  # "New": nothing moves to 0 and it never moves, so it stays first
        movable = [s.id for s in await Stage.filter(pipeline_id=int(pid)).exclude(id=int(first))]
        work = [post(i, UPDATE_STAGE, id=str(chance.choice(movable)), position=chance.randint(1, len(movable)))
                for i in range(CLIENTS)]
        work += [post(i, CREATE_STAGE, pipelineId=pid, name=f"Extra {i}", probability=30,
                      position=chance.randint(1, len(movable))) for i in range(10)]
        work += [post(i, UPDATE_STAGE, id=str(movable[0]), name=f"Renamed {i}") for i in range(10)]
        work += [post(i, CREATE_PIPELINE, name="Twin") for i in range(6)]
        default = (await Pipeline.get(is_default=True)).id
        work += [post(i, UPDATE_PIPELINE, id=str(default if i % 2 else pid), isDefault=True) for i in range(10)]
        results = await asyncio.gather(*work)

    failures = [r["errors"][0] for r in results if r.get("errors")]
    assert [(f["extensions"]["code"], f["extensions"].get("field")) for f in failures] == [
        ("BAD_USER_INPUT", "name")] * 5, failures  # only the five Twins that lost
    stages = await Stage.filter(pipeline_id=int(pid)).order_by("position")
    assert [s.position for s in stages] == list(range(3 + 5 + 10))
    assert stages[0].id == int(first)
    assert (await Stage.get(id=movable[0])).name in {f"Renamed {i}" for i in range(10)}
    assert await Pipeline.filter(name="Twin").count() == 1
    assert await Pipeline.filter(is_default=True).count() == 1


MOVE_DEAL = "mutation($input: MoveDealInput!) { moveDeal(input: $input) { id } }"


async def test_deal_moves_and_a_change_of_their_stages_kind_take_turns(db):
    """Races from two processes, each a deal moving into an empty open stage while an admin makes that stage
    a won one: a kind changes only while no deal is in the stage (moves lock the pipeline as stage writes
    do), so each deal ends as its stage's kind says — never open in a won stage."""
    admin = await make_user(Role.ADMIN)
    _, token = await tokens.create(Actor.for_user(admin, via="test"), "concurrency")
    pipeline = await Pipeline.get(is_default=True)
    first = await Stage.filter(pipeline=pipeline).order_by("position").first()
    assert first is not None
    customer = await Customer.create(name="Moving GmbH", email="m@example.com")
    races = 20
    moving = [await Deal.create(title=f"Moving {i}", customer=customer, pipeline=pipeline, stage=first, amount=1)
              for i in range(races)]
    async with crm_servers(2, db) as servers, httpx.AsyncClient(timeout=60, limits=NO_KEEPALIVE) as http:
        def post(i: int, query: str, **values: object) -> Any:
            return _post_graphql(http, servers[i % 2], token, query, input=values)

        targets = [(await post(i, CREATE_STAGE, pipelineId=str(pipeline.id), name=f"Race {i}", probability=40,
                               position=1))["data"]["createStage"]["id"] for i in range(races)]
        work = []
        for i, (deal, target) in enumerate(zip(moving, targets, strict=True)):
            work += [post(i, MOVE_DEAL, id=str(deal.id), version=deal.version, stageId=target),
                     post(i + 1, UPDATE_STAGE, id=target, kind="WON")]
        results = await asyncio.gather(*work)

    failures = [r["errors"][0] for r in results if r.get("errors")]
    assert {(f["extensions"]["code"], f["extensions"].get("field")) for f in failures} <= {
        ("BAD_USER_INPUT", "kind")}, failures  # only kind changes refused because the deal was in first
    for deal, target in zip(moving, targets, strict=True):
        stage, moved = await Stage.get(id=int(target)), await Deal.get(id=deal.id)
        assert moved.stage_id == stage.id, "a move was lost"
        assert (moved.closed_at is not None, moved.probability) == (
            (True, 100) if stage.kind is StageKind.WON else (False, 40)), f"{moved.title} is wrong for {stage.name}"
