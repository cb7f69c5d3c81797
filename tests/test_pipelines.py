"""Admins shape pipelines and stages: createPipeline, updatePipeline, createStage, updateStage, pipelineChanged."""

from __future__ import annotations

from typing import Any

from backend.live import topics
from backend.models import AuditEntry, Pipeline, Role, Stage
from tests.factories import actor, error, make_customer, make_deal, make_user, ok
from tests.test_subscriptions import lives, subscribe  # noqa: F401  (the lives fixture)

CREATE_PIPELINE = (
    "mutation($input: CreatePipelineInput!) { createPipeline(input: $input) "
    "{ id name isDefault stages { id name position probability kind } } }"
)
UPDATE_PIPELINE = "mutation($input: UpdatePipelineInput!) { updatePipeline(input: $input) { id name isDefault } }"
CREATE_STAGE = "mutation($input: CreateStageInput!) { createStage(input: $input) { id name position probability kind } }"
UPDATE_STAGE = "mutation($input: UpdateStageInput!) { updateStage(input: $input) { id name position probability kind } }"
STAGES = "query { pipelines { id name isDefault stages { id name position kind } } }"
CHANGED = "subscription { pipelineChanged { kind pipelineId stageId pipeline { name stages { name } } stage { name } } }"


async def names(who: Any, pipeline_id: str) -> list[str]:
    found = next(p for p in (await ok(who, STAGES))["pipelines"] if p["id"] == pipeline_id)
    return [s["name"] for s in found["stages"]]


async def new_pipeline(admin: Any, name: str = "Renewals") -> dict[str, Any]:
    return (await ok(admin, CREATE_PIPELINE, input={"name": name}))["createPipeline"]


async def test_a_new_pipeline_starts_with_new_won_and_lost_and_is_audited(db):
    admin = await make_user(Role.ADMIN)
    created = await new_pipeline(admin)
    assert (created["name"], created["isDefault"]) == ("Renewals", False)
    assert [(s["name"], s["kind"], s["probability"]) for s in created["stages"]] == [
        ("New", "OPEN", 10), ("Won", "WON", 100), ("Lost", "LOST", 0)]
    entry = await AuditEntry.get(action="pipeline.create")
    assert (entry.entity_id, entry.actor_id, entry.changes["name"]) == (created["id"], admin.id, [None, "Renewals"])


async def test_only_admins_shape_pipelines_and_heads_their_stages(db):
    admin = await make_user(Role.ADMIN)
    created = await new_pipeline(admin)
    stage = created["stages"][0]["id"]
    for role in (Role.SALES_HEAD, Role.SALES_REP, Role.SUPPORT, Role.MARKETING):
        who = await make_user(role)
        assert (await error(who, CREATE_PIPELINE, input={"name": "Mine"}))["code"] == "FORBIDDEN"
        assert (await error(who, UPDATE_PIPELINE, input={"id": created["id"], "name": "X"}))["code"] == "FORBIDDEN"
        if role is Role.SALES_HEAD:
            continue
        assert (await error(who, CREATE_STAGE, input={"pipelineId": created["id"], "name": "X", "probability": 5})
                )["code"] == "FORBIDDEN"
        assert (await error(who, UPDATE_STAGE, input={"id": stage, "name": "X"}))["code"] == "FORBIDDEN"
    assert await names(admin, created["id"]) == ["New", "Won", "Lost"]
    assert await Pipeline.filter(name="Mine").count() == 0

    head = await make_user(Role.SALES_HEAD)  # a head shapes the stages their team's deals move through
    added = (await ok(head, CREATE_STAGE, input={"pipelineId": created["id"], "name": "Demo", "probability": 40,
                                                 "position": 1}))["createStage"]
    await ok(head, UPDATE_STAGE, input={"id": stage, "name": "Inbound"})
    await ok(head, UPDATE_STAGE, input={"id": added["id"], "position": 0})
    assert await names(admin, created["id"]) == ["Demo", "Inbound", "Won", "Lost"]
    assert await AuditEntry.filter(actor_id=head.id).order_by("id").values_list("action", flat=True) == [
        "stage.create", "stage.update", "stage.update"]


async def test_bad_input_names_the_field_and_writes_nothing(db):
    admin = await make_user(Role.ADMIN)
    created = await new_pipeline(admin)
    first, won = created["stages"][0]["id"], created["stages"][1]["id"]
    audits = await AuditEntry.all().count()
    cases = [
        (CREATE_PIPELINE, {"name": "  "}, "name"),
        (CREATE_PIPELINE, {"name": "renewals"}, "name"),  # taken, ignoring case
        (UPDATE_PIPELINE, {"id": created["id"], "isDefault": False}, "isDefault"),
        (CREATE_STAGE, {"pipelineId": created["id"], "name": "Demo"}, "probability"),  # open needs one
        (CREATE_STAGE, {"pipelineId": created["id"], "name": "Demo", "probability": 101}, "probability"),
        (CREATE_STAGE, {"pipelineId": created["id"], "name": "won", "probability": 50}, "name"),
        (CREATE_STAGE, {"pipelineId": created["id"], "name": "Signed", "kind": "WON", "probability": 90}, "probability"),
        (CREATE_STAGE, {"pipelineId": created["id"], "name": "Signed", "kind": "WON", "position": 0}, "position"),
        (CREATE_STAGE, {"pipelineId": created["id"], "name": "Late", "probability": 5, "position": 9}, "position"),
        (UPDATE_STAGE, {"id": first, "name": "Lost"}, "name"),
        (UPDATE_STAGE, {"id": first, "kind": "LOST"}, "kind"),  # the first stage stays open
        (UPDATE_STAGE, {"id": won, "position": 0}, "position"),
        (UPDATE_STAGE, {"id": won, "probability": 40}, "probability"),
        (UPDATE_STAGE, {"id": first, "position": -1}, "position"),
    ]
    for document, values, field in cases:
        found = await error(admin, document, input=values)
        assert (found["code"], found.get("field")) == ("BAD_USER_INPUT", field), (values, found)
    assert (await error(admin, CREATE_STAGE, input={"pipelineId": "999999", "name": "X", "probability": 1})
            ) == {"code": "NOT_FOUND", "field": "pipelineId", "message": "Pipeline 999999 was not found"}
    assert await AuditEntry.all().count() == audits
    assert await names(admin, created["id"]) == ["New", "Won", "Lost"]
    assert await Pipeline.all().count() == 2


async def test_stages_are_added_renamed_reordered_and_reweighted(db):
    admin = await make_user(Role.ADMIN)
    created = await new_pipeline(admin)
    pid = created["id"]
    new, won, lost = (s["id"] for s in created["stages"])
    demo = (await ok(admin, CREATE_STAGE, input={"pipelineId": pid, "name": "Demo", "probability": 40, "position": 1})
            )["createStage"]
    assert (demo["position"], demo["kind"]) == (1, "OPEN")
    assert await names(admin, pid) == ["New", "Demo", "Won", "Lost"]

    await ok(admin, CREATE_STAGE, input={"pipelineId": pid, "name": "Trial", "probability": 60})
    assert await names(admin, pid) == ["New", "Demo", "Won", "Lost", "Trial"]
    trial = (await Stage.get(pipeline_id=int(pid), name="Trial")).id
    moved = (await ok(admin, UPDATE_STAGE, input={"id": str(trial), "position": 2, "name": "Pilot"}))["updateStage"]
    assert (moved["name"], moved["position"]) == ("Pilot", 2)
    assert await names(admin, pid) == ["New", "Demo", "Pilot", "Won", "Lost"]
    await ok(admin, UPDATE_STAGE, input={"id": new, "position": 2})  # Demo becomes the first stage: it is open
    assert await names(admin, pid) == ["Demo", "Pilot", "New", "Won", "Lost"]
    reweighted = (await ok(admin, UPDATE_STAGE, input={"id": demo["id"], "probability": 25}))["updateStage"]
    assert reweighted["probability"] == 25
    # A stage no deal is in may change kind: its probability follows the kind.
    assert (await ok(admin, UPDATE_STAGE, input={"id": lost, "kind": "WON"}))["updateStage"]["probability"] == 100
    entry = await AuditEntry.filter(action="stage.update", entity_id=str(trial)).get()
    assert entry.changes == {"name": ["Trial", "Pilot"], "position": [4, 2]}
    assert won  # untouched


async def test_a_stage_holding_deals_keeps_its_kind_and_deals_follow_the_new_order(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    deal = await make_deal(admin, customer["id"])
    stage = deal["stage"]["id"]
    found = await error(admin, UPDATE_STAGE, input={"id": stage, "kind": "WON"})
    assert (found["code"], found["field"]) == ("BAD_USER_INPUT", "kind") and "1 deal(s)" in found["message"]
    sales = (await Stage.get(id=int(stage))).pipeline_id  # type: ignore[attr-defined]
    contacted = await Stage.get(pipeline_id=sales, name="Contacted")
    await ok(admin, UPDATE_STAGE, input={"id": str(contacted.id), "position": 0, "name": "First call"})
    read = await ok(admin, "query($id: ID!) { deal(id: $id) { stage { name position } } }", id=deal["id"])
    assert read["deal"]["stage"] == {"name": "New", "position": 1}


async def test_stages_count_the_deals_in_them(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    deal = await make_deal(admin, customer["id"])
    await make_deal(admin, customer["id"])
    await new_pipeline(admin)
    listed = (await ok(admin, "query { pipelines { name stages { id dealCount } } }"))["pipelines"]
    counts = {s["id"]: s["dealCount"] for p in listed for s in p["stages"]}
    assert counts[deal["stage"]["id"]] == 2 and sum(counts.values()) == 2


async def test_one_default_pipeline_at_a_time(db):
    admin = await make_user(Role.ADMIN)
    created = await new_pipeline(admin)
    assert (await ok(admin, UPDATE_PIPELINE, input={"id": created["id"], "isDefault": True, "name": "Renewal"})
            )["updatePipeline"] == {"id": created["id"], "name": "Renewal", "isDefault": True}
    listed = (await ok(admin, STAGES))["pipelines"]
    assert [(p["name"], p["isDefault"]) for p in listed] == [("Renewal", True), ("Sales", False)]
    customer = await make_customer(admin)
    assert (await make_deal(admin, customer["id"]))["stage"]["name"] == "New"  # in the new default pipeline
    assert (await AuditEntry.get(action="pipeline.update")).changes == {
        "name": ["Renewals", "Renewal"], "is_default": [False, True]}


async def test_boards_hear_of_stage_changes_after_the_commit(db, lives):  # noqa: F811
    admin = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP)
    created = await new_pipeline(admin)
    board = await subscribe(actor(rep), CHANGED, topics.pipelines())
    lives.append(board)
    await ok(admin, UPDATE_STAGE, input={"id": created["stages"][0]["id"], "name": "Inbound"})
    event = await board.data("pipelineChanged")
    assert event == {"kind": "STAGE_UPDATED", "pipelineId": created["id"], "stageId": created["stages"][0]["id"],
                     "pipeline": {"name": "Renewals", "stages": [{"name": "Inbound"}, {"name": "Won"}, {"name": "Lost"}]},
                     "stage": {"name": "Inbound"}}
    await error(admin, UPDATE_STAGE, input={"id": created["stages"][0]["id"], "name": "Won"})  # refused: silent
    await ok(admin, UPDATE_PIPELINE, input={"id": created["id"], "name": "Upsell"})
    assert (await board.data("pipelineChanged"))["kind"] == "PIPELINE_UPDATED"
