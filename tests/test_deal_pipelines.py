"""Deals move between pipelines with a stage mapping (issue 18): moveDealsToPipeline checks that each target
stage belongs to the target pipeline and that every deal's stage is mapped, moves all the deals or none, and
each move is a move: stage history, timeline line, the owner told, audited, a `moved` event."""

from __future__ import annotations

from typing import Any

from backend.live import topics
from backend.live.broadcast import hub
from backend.models import (
    Activity,
    ActivityKind,
    AuditEntry,
    Deal,
    DealStageChange,
    Notification,
    Pipeline,
    Role,
    Stage,
)
from tests.factories import error, make_customer, make_deal, make_user, ok
from tests.test_deals import next_event, sales_teams, stages
from tests.test_pipelines import CREATE_STAGE, new_pipeline

MOVE = """mutation($input: MoveDealsToPipelineInput!) { moveDealsToPipeline(input: $input) {
  id version probability closedAt lostReason pipeline { name } stage { name kind } } }"""


async def renewals(admin: Any) -> dict[str, str]:
    """A second pipeline, Renewals: New, Offer, Won, Lost; its stages by name."""
    created = await new_pipeline(admin)
    await ok(admin, CREATE_STAGE, input={"pipelineId": created["id"], "name": "Offer", "probability": 60})
    return {"id": created["id"], **{s.name: str(s.id) for s in await Stage.filter(pipeline_id=int(created["id"]))}}


async def test_deals_move_to_another_pipeline_through_the_stage_map(db):
    team = await sales_teams()
    admin, head, rep = team["admin"], team["head"], team["rep"]
    target = await renewals(admin)
    default = await stages()
    customer = await make_customer(rep)
    fresh = await make_deal(rep, customer["id"], title="Fresh")
    lost = await make_deal(rep, customer["id"], title="Gone")
    await ok(rep, "mutation($input: MoveDealInput!) { moveDeal(input: $input) { id } }",
             input={"id": lost["id"], "version": 1, "stageId": str(default["Lost"].id), "lostReason": "price"})
    stage_map = [{"fromStageId": str(default["New"].id), "toStageId": target["Offer"]},
                 {"fromStageId": str(default["Lost"].id), "toStageId": target["Lost"]}]
    async with hub.subscribe(topics.deals(), topics.notifications(rep.id)) as sub:
        moved = (await ok(head, MOVE, input={"dealIds": [fresh["id"], lost["id"]], "pipelineId": target["id"],
                                             "stageMap": stage_map}))["moveDealsToPipeline"]
        events = [await next_event(sub) for _ in range(4)]
    by_title = {d["id"]: d for d in moved}
    offer, gone = by_title[fresh["id"]], by_title[lost["id"]]
    assert (offer["pipeline"]["name"], offer["stage"]["name"], offer["probability"]) == ("Renewals", "Offer", 60)
    assert (gone["stage"]["kind"], gone["lostReason"], gone["closedAt"] is not None) == ("LOST", "price", True)
    kinds = sorted(e.kind for e in events)
    assert kinds == ["deal_moved", "deal_moved", "moved", "moved"]
    history = await DealStageChange.filter(deal_id=int(fresh["id"])).order_by("id")
    assert (history[-1].from_stage_id, history[-1].to_stage_id) == (default["New"].id, int(target["Offer"]))
    entry = await AuditEntry.get(action="deal.move_pipeline", entity_id=fresh["id"])
    assert entry.changes["pipeline_id"] == [default["New"].pipeline_id, int(target["id"])]
    line = await Activity.filter(kind=ActivityKind.DEAL_UPDATE, deal_id=int(fresh["id"])).order_by("-id").first()
    source = await Pipeline.get(id=default["New"].pipeline_id)
    assert line is not None and line.title == f"Fresh: New → Offer ({source.name} → Renewals)"
    assert await Notification.filter(user_id=rep.id, kind="deal_moved").count() == 2


async def test_a_bad_map_or_a_deal_one_may_not_move_refuses_the_whole_move(db):
    team = await sales_teams()
    admin, rep, rep2 = team["admin"], team["rep"], team["rep2"]
    target = await renewals(admin)
    default = await stages()
    mine = await make_deal(rep, (await make_customer(rep))["id"])
    theirs = await make_deal(rep2, (await make_customer(rep2))["id"])
    new_to_offer = [{"fromStageId": str(default["New"].id), "toStageId": target["Offer"]}]

    async def refused(who: Any, **changes: Any) -> dict[str, Any]:
        sent = {"dealIds": [mine["id"]], "pipelineId": target["id"], "stageMap": new_to_offer, **changes}
        return await error(who, MOVE, input=sent)

    wrong = await refused(admin, stageMap=[{"fromStageId": str(default["New"].id), "toStageId": str(default["Won"].id)}])
    assert (wrong["code"], wrong["field"]) == ("BAD_USER_INPUT", "stageMap.toStageId")
    unmapped = await refused(admin, stageMap=[{"fromStageId": str(default["Won"].id), "toStageId": target["Won"]}])
    assert (unmapped["field"], "'New'" in unmapped["message"]) == ("stageMap", True)
    same = await refused(admin, pipelineId=str(default["New"].pipeline_id),
                         stageMap=[{"fromStageId": str(default["New"].id), "toStageId": str(default["New"].id)}])
    assert same["field"] == "pipelineId"
    hidden = await refused(rep, dealIds=[mine["id"], theirs["id"]])
    assert (hidden["code"], hidden["field"]) == ("NOT_FOUND", "dealIds")
    lost = await refused(admin, stageMap=[{"fromStageId": str(default["New"].id), "toStageId": target["Lost"]}])
    assert lost["field"] == "lostReason"
    support = await make_user(Role.SUPPORT)
    assert (await refused(support))["code"] == "FORBIDDEN"
    assert await Deal.filter(pipeline_id=int(target["id"])).count() == 0
    assert not await AuditEntry.filter(action="deal.move_pipeline").exists()
    done = (await ok(admin, MOVE, input={"dealIds": [mine["id"]], "pipelineId": target["id"], "stageMap": [
        {"fromStageId": str(default["New"].id), "toStageId": target["Lost"]}], "lostReason": "moved on"}))
    assert done["moveDealsToPipeline"][0]["lostReason"] == "moved on"
