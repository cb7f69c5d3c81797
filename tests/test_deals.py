"""Deals and pipelines through the schema: create, validate, update, move (won/lost rules), delete,
permissions, events, filters, ordering, paging and the pipeline board's totals."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from backend.auth.actor import Actor
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
    StageKind,
)
from backend.schema.common import AmountRange, DateRange, DateTimeRange
from backend.schema.deals import DealFilter, filter_deals, matches
from backend.services.currency import set_exchange_rate
from tests.factories import error, make_contact, make_customer, make_deal, make_team, make_user, ok
from tests.sqlcount import count_statements

CREATE = "mutation($input: CreateDealInput!) { createDeal(input: $input) { id version title } }"
UPDATE = (
    "mutation($input: UpdateDealInput!) { updateDeal(input: $input) "
    "{ id version title probability amount { amount currency } owner { id } contact { id } } }"
)
MOVE = (
    "mutation($input: MoveDealInput!) { moveDeal(input: $input) { id version probability closedAt lostReason "
    "stage { name kind } stageHistory { fromStage { name } toStage { name } changedBy { id } } } }"
)
DELETE = "mutation($input: DeleteDealInput!) { deleteDeal(input: $input) { id } }"
LIST = """query($first: Int, $after: String, $f: DealFilter, $o: DealOrder, $s: String) {
  deals(first: $first, after: $after, filter: $f, orderBy: $o, search: $s) {
    totalCount edges { node { id title } } pageInfo { hasNextPage endCursor } } }"""


async def stages() -> dict[str, Stage]:
    return {s.name: s for s in await Stage.filter(pipeline__is_default=True)}


async def next_event(sub: Any) -> Any:
    return await asyncio.wait_for(anext(aiter(sub)), 5)


async def sales_teams() -> dict[str, Any]:
    north, south = await make_team(), await make_team()
    return {
        "head": await make_user(Role.SALES_HEAD, north),
        "rep": await make_user(Role.SALES_REP, north),
        "colleague": await make_user(Role.SALES_REP, north),
        "rep2": await make_user(Role.SALES_REP, south),
        "admin": await make_user(Role.ADMIN),
    }


async def test_create_deal_defaults_history_audit_and_event(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    async with hub.subscribe(topics.deals()) as sub:
        deal = await make_deal(admin, customer["id"], title="Rail sensors", amount=1_250_000)
        event = await next_event(sub)
    assert deal["stage"]["name"] == "New" and deal["probability"] == 10
    assert deal["amount"] == {"amount": 1_250_000, "currency": "EUR"}
    row = await Deal.get(id=int(deal["id"]))
    assert row.owner_id == admin.id and row.closed_at is None
    history = await DealStageChange.filter(deal_id=row.id)
    assert [(h.from_stage_id, h.to_stage_id) for h in history] == [(None, row.stage_id)]
    entry = await AuditEntry.get(entity="deal", entity_id=str(row.id))
    assert entry.action == "deal.create" and entry.changes["amount"] == [None, 1_250_000]
    assert (event.kind, event.payload) == (
        "created",
        {"id": row.id, "customer_id": int(customer["id"]), "owner_id": admin.id, "stage_id": row.stage_id, "actor_id": admin.id},
    )


async def test_validation_names_the_field_writes_nothing_and_publishes_nothing(db):
    admin = await make_user(Role.ADMIN)
    customer, other = await make_customer(admin), await make_customer(admin)
    foreign_contact = await make_contact(admin, customerId=other["id"])
    won = (await stages())["Won"]
    cases = [
        ({"title": "  "}, "title"),
        ({"amount": -1}, "amount"),
        ({"amount": 10**15 + 1}, "amount"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "JPY"}, "currency"),  # no exchange rate: totals could not count it
        ({"probability": 101}, "probability"),
        ({"contactId": foreign_contact["id"]}, "contactId"),
        ({"stageId": str(won.id + 1000)}, "stageId"),
        ({"customerId": "999999"}, "customerId"),
        ({"expectedCloseDate": "1200-01-01"}, "expectedCloseDate"),
        ({"stageId": str((await stages())["Lost"].id)}, "lostReason"),
    ]
    audits = await AuditEntry.all().count()
    async with hub.subscribe(topics.deals()) as sub:
        for fields, field in cases:
            err = await error(admin, CREATE, input={"title": "T", "customerId": customer["id"], **fields})
            assert err.get("field") == field, (fields, err)
        assert await Deal.all().count() == 0 and await DealStageChange.all().count() == 0
        assert await AuditEntry.all().count() == audits
        await make_deal(admin, customer["id"], title="after the failures")
        assert (await next_event(sub)).kind == "created"  # the first event is the success's: failures sent none


async def test_stage_of_another_pipeline_is_refused(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    other = await Pipeline.create(name="Partners", position=1)
    try:
        foreign = await Stage.create(pipeline=other, name="Intro", position=0, probability=5)
        err = await error(admin, CREATE, input={"title": "T", "customerId": customer["id"], "stageId": str(foreign.id)})
        assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "stageId")
        deal = await make_deal(admin, customer["id"], pipelineId=str(other.id))
        assert deal["stage"]["name"] == "Intro" and deal["probability"] == 5
        moved = await error(admin, MOVE, input={"id": deal["id"], "version": 1, "stageId": str((await stages())["Won"].id)})
        assert moved["field"] == "stageId"
    finally:
        await Deal.filter(pipeline_id=other.id).delete()
        await other.delete()


async def test_update_with_versions_and_audit(db):
    admin = await make_user(Role.ADMIN)
    await set_exchange_rate(Actor.system(), "USD", "0.9")
    customer = await make_customer(admin)
    contact = await make_contact(admin, customerId=customer["id"])
    deal = await make_deal(admin, customer["id"])
    async with hub.subscribe(topics.deals()) as sub:
        changed = await ok(admin, UPDATE, input={
            "id": deal["id"], "version": 1, "title": "Bigger", "amount": 500, "currency": "usd",
            "probability": 35, "contactId": contact["id"],
        })
        assert (await next_event(sub)).kind == "updated"
    assert changed["updateDeal"] == {
        "id": deal["id"], "version": 2, "title": "Bigger", "probability": 35,
        "amount": {"amount": 500, "currency": "USD"}, "owner": {"id": str(admin.id)}, "contact": {"id": contact["id"]},
    }
    entry = await AuditEntry.filter(entity="deal", action="deal.update").first()
    assert entry.changes["title"][1] == "Bigger" and entry.changes["currency"] == ["EUR", "USD"]
    stale = await error(admin, UPDATE, input={"id": deal["id"], "version": 1, "title": "Lost update"})
    assert stale["code"] == "CONFLICT" and stale["currentVersion"] == 2
    assert (await Deal.get(id=int(deal["id"]))).title == "Bigger"
    bad = await error(admin, UPDATE, input={"id": deal["id"], "version": 2, "probability": -5})
    assert bad["field"] == "probability"
    null = await error(admin, UPDATE, input={"id": deal["id"], "version": 2, "amount": None})
    assert null["field"] == "amount"


async def test_move_rules_for_won_lost_and_reopen(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    deal = await make_deal(admin, customer["id"], title="Trams")
    s = await stages()
    no_reason = await error(admin, MOVE, input={"id": deal["id"], "version": 1, "stageId": str(s["Lost"].id)})
    assert (no_reason["code"], no_reason["field"]) == ("BAD_USER_INPUT", "lostReason")
    same = await error(admin, MOVE, input={"id": deal["id"], "version": 1, "stageId": str(s["New"].id)})
    assert same["field"] == "stageId"
    assert await DealStageChange.all().count() == 1 and await Activity.all().count() == 0
    won = (await ok(admin, MOVE, input={"id": deal["id"], "version": 1, "stageId": str(s["Won"].id)}))["moveDeal"]
    assert won["probability"] == 100 and won["closedAt"] and won["stage"]["kind"] == "WON"
    fixed = await error(admin, UPDATE, input={"id": deal["id"], "version": 2, "probability": 50})
    assert fixed["field"] == "probability"
    lost = (await ok(admin, MOVE, input={"id": deal["id"], "version": 2, "stageId": str(s["Lost"].id), "lostReason": "price"}))["moveDeal"]
    assert (lost["probability"], lost["lostReason"], lost["stage"]["kind"]) == (0, "price", "LOST")
    emptied = await error(admin, UPDATE, input={"id": deal["id"], "version": 3, "lostReason": " "})
    assert emptied["field"] == "lostReason"
    reopened = (await ok(admin, MOVE, input={"id": deal["id"], "version": 3, "stageId": str(s["Qualified"].id)}))["moveDeal"]
    open_reason = await error(admin, UPDATE, input={"id": deal["id"], "version": 4, "lostReason": "why not"})
    assert open_reason["field"] == "lostReason"
    assert (reopened["probability"], reopened["closedAt"], reopened["lostReason"]) == (40, None, "")
    assert [(h["fromStage"] and h["fromStage"]["name"], h["toStage"]["name"]) for h in reopened["stageHistory"]] == [
        (None, "New"), ("New", "Won"), ("Won", "Lost"), ("Lost", "Qualified"),
    ]
    timeline = await Activity.filter(kind=ActivityKind.DEAL_UPDATE, customer_id=int(customer["id"])).count()
    assert timeline == 3
    assert await AuditEntry.filter(action="deal.move").count() == 3
    stale = await error(admin, MOVE, input={"id": deal["id"], "version": 1, "stageId": str(s["Won"].id)})
    assert stale["code"] == "CONFLICT" and await DealStageChange.all().count() == 4


async def test_move_by_someone_else_notifies_the_owner_and_logs_on_the_timeline(db):
    team = await sales_teams()
    head, rep = team["head"], team["rep"]
    customer = await make_customer(rep)
    deal = await make_deal(rep, customer["id"])
    target = (await stages())["Contacted"]
    topics_ = (topics.deals(), topics.notifications(rep.id), topics.customer_activities(int(customer["id"])))
    async with hub.subscribe(*topics_) as sub:
        await ok(head, MOVE, input={"id": deal["id"], "version": 1, "stageId": str(target.id)})
        events = {e.topic: e for e in [await next_event(sub) for _ in topics_]}
    moved = events[topics.deals()]
    assert moved.kind == "moved" and moved.payload["stage_id"] == target.id and moved.payload["actor_id"] == head.id
    assert moved.payload["from_stage_id"] == (await stages())["New"].id and moved.payload["owner_id"] == rep.id
    note = await Notification.get(user_id=rep.id)
    assert note.kind == "deal_moved" and note.entity_id == int(deal["id"]) and "Contacted" in note.message
    assert events[topics.notifications(rep.id)].kind == "deal_moved"
    activity = await Activity.get(kind=ActivityKind.DEAL_UPDATE)
    assert events[topics.customer_activities(int(customer["id"]))].payload == {"id": activity.id, "customer_id": int(customer["id"])}
    await ok(rep, MOVE, input={"id": deal["id"], "version": 2, "stageId": str((await stages())["Qualified"].id)})
    assert await Notification.filter(user_id=rep.id).count() == 1  # one's own move notifies nobody


async def test_delete_deal(db):
    team = await sales_teams()
    customer = await make_customer(team["rep"])
    deal = await make_deal(team["rep"], customer["id"])
    assert (await error(team["rep"], DELETE, input={"id": deal["id"], "version": 1}))["code"] == "FORBIDDEN"
    assert (await error(team["head"], DELETE, input={"id": deal["id"], "version": 9}))["code"] == "CONFLICT"
    async with hub.subscribe(topics.deals()) as sub:
        assert (await ok(team["head"], DELETE, input={"id": deal["id"], "version": 1}))["deleteDeal"] == {"id": deal["id"]}
        assert (await next_event(sub)).kind == "deleted"
    assert await Deal.all().count() == 0
    assert await AuditEntry.filter(action="deal.delete", entity_id=deal["id"]).exists()


async def test_permissions_by_role_and_team(db):
    team = await sales_teams()
    rep, colleague, rep2 = team["rep"], team["colleague"], team["rep2"]
    support, marketing = await make_user(Role.SUPPORT), await make_user(Role.MARKETING)
    customer = await make_customer(rep)
    deal = await make_deal(colleague, customer["id"])
    target = str((await stages())["Contacted"].id)
    move = {"id": deal["id"], "version": 1, "stageId": target}
    assert (await error(rep, MOVE, input=move))["code"] == "FORBIDDEN"
    assert (await error(rep, UPDATE, input={"id": deal["id"], "version": 1, "title": "mine"}))["code"] == "FORBIDDEN"
    assert (await error(rep2, MOVE, input=move))["code"] == "NOT_FOUND"
    assert (await error(rep2, "query($id: ID!) { deal(id: $id) { id } }", id=deal["id"]))["code"] == "NOT_FOUND"
    for role_user in (support, marketing):
        assert (await error(role_user, MOVE, input=move))["code"] == "FORBIDDEN"
        assert (await error(role_user, UPDATE, input={"id": deal["id"], "version": 1, "title": "x"}))["code"] == "FORBIDDEN"
        assert (await error(role_user, CREATE, input={"title": "x", "customerId": customer["id"]}))["code"] == "FORBIDDEN"
    for_colleague = await error(rep, CREATE, input={"title": "x", "customerId": customer["id"], "ownerId": str(colleague.id)})
    assert for_colleague["code"] == "FORBIDDEN"
    give_away = await make_deal(rep, customer["id"])
    handed = await error(rep, UPDATE, input={"id": give_away["id"], "version": 1, "ownerId": str(colleague.id)})
    assert handed["code"] == "FORBIDDEN"
    other_team = await error(team["head"], CREATE, input={"title": "x", "customerId": customer["id"], "ownerId": str(rep2.id)})
    assert other_team["field"] == "ownerId"
    assert await Deal.all().count() == 2
    assert (await ok(support, "query($id: ID!) { deal(id: $id) { title } }", id=deal["id"]))["deal"]
    assert (await ok(colleague, MOVE, input=move))["moveDeal"]["stage"]["name"] == "Contacted"


async def _three_deals(admin: Any) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    await set_exchange_rate(Actor.system(), "USD", "0.5")
    a, b = await make_customer(admin), await make_customer(admin)
    s = await stages()
    deals = [
        await make_deal(admin, a["id"], title="Alpha rail", amount=1000, expectedCloseDate="2030-01-10"),
        await make_deal(admin, a["id"], title="Beta food", amount=5000, currency="USD", stageId=str(s["Qualified"].id)),
        await make_deal(admin, b["id"], title="Gamma rail", amount=300, stageId=str(s["Won"].id), expectedCloseDate="2030-03-01"),
    ]
    return a, b, deals


async def test_filters_search_and_order(db):
    admin = await make_user(Role.ADMIN)
    a, b, deals = await _three_deals(admin)
    s = await stages()

    async def titles(**variables: Any) -> list[str]:
        return [e["node"]["title"] for e in (await ok(admin, LIST, **variables))["deals"]["edges"]]

    assert await titles() == ["Gamma rail", "Beta food", "Alpha rail"]  # newest first by default
    assert await titles(f={"customerId": [a["id"]]}, o={"field": "TITLE"}) == ["Alpha rail", "Beta food"]
    assert await titles(f={"stageKind": ["OPEN"]}, o={"field": "AMOUNT", "direction": "DESC"}) == ["Beta food", "Alpha rail"]
    assert await titles(f={"stageId": [str(s["Won"].id)]}) == ["Gamma rail"]
    assert await titles(f={"amount": {"min": 300, "max": 1000}}, o={"field": "AMOUNT"}) == ["Gamma rail", "Alpha rail"]
    assert await titles(f={"currency": ["usd"]}) == ["Beta food"]
    assert await titles(f={"expectedClose": {"start": "2030-02-01"}}) == ["Gamma rail"]
    assert await titles(f={"ownerId": [str(admin.id)], "pipelineId": str(s["New"].pipeline_id)}, o={"field": "TITLE"}) == [
        "Alpha rail", "Beta food", "Gamma rail",
    ]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await titles(f={"createdAt": {"start": future}}) == []
    assert await titles(s="RAIL", o={"field": "TITLE"}) == ["Alpha rail", "Gamma rail"]
    assert await titles(o={"field": "EXPECTED_CLOSE_DATE"}) == ["Alpha rail", "Gamma rail", "Beta food"]
    assert await titles(o={"field": "EXPECTED_CLOSE_DATE", "direction": "DESC"}) == ["Gamma rail", "Alpha rail", "Beta food"]
    assert (await ok(admin, LIST, f={"stageKind": ["OPEN"]}))["deals"]["totalCount"] == 2


async def test_matches_agrees_with_the_sql_filter(db):
    admin = await make_user(Role.ADMIN)
    a, b, _ = await _three_deals(admin)
    s = await stages()
    filters = [
        DealFilter(),
        DealFilter(stage_kind=[StageKind.OPEN]),
        DealFilter(stage_kind=[StageKind.WON], customer_id=[b["id"]]),
        DealFilter(amount=AmountRange(min=1000)),
        DealFilter(amount=AmountRange(max=999), currency=["eur"]),
        DealFilter(expected_close=DateRange(start=date(2030, 1, 1), end=date(2030, 2, 1))),
        DealFilter(stage_id=[str(s["Qualified"].id)], owner_id=[str(admin.id)]),
        DealFilter(created_at=DateTimeRange(end=datetime.now(UTC) - timedelta(days=1))),
    ]
    rows = await Deal.all().select_related("stage")
    for where in filters:
        by_sql = set(await filter_deals(Deal.all(), where).values_list("id", flat=True))
        assert {d.id for d in rows if matches(where, d)} == by_sql, where


async def test_pages_never_lose_or_repeat_rows_while_rows_are_inserted(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    for i in range(12):
        close = f"2030-01-{i % 4 + 1:02d}" if i % 3 else None  # ties and nulls
        await make_deal(admin, customer["id"], title=f"D{i:02d}", amount=i % 5, expectedCloseDate=close)
    for order in ("CREATED_AT", "TITLE", "AMOUNT", "EXPECTED_CLOSE_DATE", "UPDATED_AT"):
        for direction in ("ASC", "DESC"):
            seen: list[str] = []
            after = None
            while True:
                page = (await ok(admin, LIST, first=5, after=after, o={"field": order, "direction": direction}))["deals"]
                seen += [e["node"]["title"] for e in page["edges"]]
                await make_deal(admin, customer["id"], title="X inserted", amount=2, expectedCloseDate="2030-01-02")
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
            originals = [t for t in seen if t.startswith("D")]
            assert sorted(originals) == [f"D{i:02d}" for i in range(12)], (order, direction, seen)
            assert len(set(originals)) == 12
        await Deal.filter(title="X inserted").delete()


async def test_pipelines_and_board_totals_in_base_currency(db):
    admin = await make_user(Role.ADMIN)
    team = await sales_teams()
    await _three_deals(admin)
    query = """query($f: DealFilter) { pipelines { name isDefault stages { name kind probability }
      summary(filter: $f) { count openAmount { amount currency } weightedForecast { amount } wonAmount { amount }
        stages { stage { name } count amount { amount currency } weightedAmount { amount } } } } }"""
    with count_statements() as statements:
        data = await ok(admin, query)
    assert len(statements) <= 4  # pipelines, stages, one GROUP BY, rates
    sales = data["pipelines"][0]
    assert sales["isDefault"] and [s["name"] for s in sales["stages"]] == ["New", "Contacted", "Qualified", "Proposal sent", "Won", "Lost"]
    columns = {c["stage"]["name"]: c for c in sales["summary"]["stages"]}
    assert columns["New"]["count"] == 1 and columns["New"]["amount"] == {"amount": 1000, "currency": "EUR"}
    assert columns["New"]["weightedAmount"]["amount"] == 100
    assert columns["Qualified"]["amount"]["amount"] == 2500 and columns["Qualified"]["weightedAmount"]["amount"] == 1000
    assert columns["Contacted"]["count"] == 0
    summary = sales["summary"]
    amounts = (summary["openAmount"]["amount"], summary["weightedForecast"]["amount"], summary["wonAmount"]["amount"])
    assert (summary["count"], *amounts) == (3, 3500, 1100, 300)
    only_open = (await ok(admin, query, f={"stageKind": ["OPEN"], "currency": ["USD"]}))["pipelines"][0]["summary"]
    assert only_open["count"] == 1 and only_open["openAmount"]["amount"] == 2500
    hidden = (await ok(team["rep2"], query))["pipelines"][0]["summary"]
    assert hidden["count"] == 0  # another team's deals count nowhere


async def test_amount_in_base_currency_and_nested_fields(db):
    admin = await make_user(Role.ADMIN)
    await set_exchange_rate(Actor.system(), "USD", "0.5")
    customer = await make_customer(admin)
    deal = await make_deal(admin, customer["id"], amount=999, currency="USD")
    data = await ok(admin, """query($id: ID!) { deal(id: $id) { amountInBaseCurrency { amount currency }
        weightedAmount { amount } pipeline { name } customer { id } owner { id } activities { id } } }""", id=deal["id"])
    assert data["deal"]["amountInBaseCurrency"] == {"amount": 500, "currency": "EUR"}
    assert data["deal"]["pipeline"]["name"] == "Sales" and data["deal"]["customer"]["id"] == customer["id"]


async def test_nested_fields_cost_the_same_statements_for_few_or_many_deals(db):
    admin = await make_user(Role.ADMIN)
    query = """{ deals(first: 50) { edges { node { title stage { name } pipeline { name stages { name } }
      customer { name } contact { name } owner { email } activities { title }
      stageHistory { fromStage { name } toStage { name } changedBy { email } } } } } }"""
    counts = []
    for total in (3, 12):
        while await Deal.all().count() < total:
            customer = await make_customer(admin)
            contact = await make_contact(admin, customerId=customer["id"])
            deal = await make_deal(admin, customer["id"], contactId=contact["id"])
            await ok(admin, MOVE, input={"id": deal["id"], "version": 1, "stageId": str((await stages())["Contacted"].id)})
        with count_statements() as statements:
            assert len((await ok(admin, query))["deals"]["edges"]) == total
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


async def test_reassigning_a_deal_tells_its_new_and_its_old_owner_with_a_link_to_it(db):
    team = await sales_teams()
    head, rep, colleague = team["head"], team["rep"], team["colleague"]
    customer = await make_customer(rep)
    deal = await make_deal(rep, customer["id"], title="Big order")
    watched = (topics.notifications(rep.id), topics.notifications(colleague.id), topics.notifications(head.id))
    async with hub.subscribe(*watched) as sub:
        await ok(head, UPDATE, input={"id": deal["id"], "version": 1, "ownerId": str(colleague.id)})
        events = {e.topic: e for e in [await next_event(sub) for _ in range(2)]}
    assert set(events) == {topics.notifications(rep.id), topics.notifications(colleague.id)}  # not the head's own
    given = await Notification.get(user_id=colleague.id)
    taken = await Notification.get(user_id=rep.id)
    assert (given.kind, given.entity, given.entity_id) == ("deal_reassigned", "deal", int(deal["id"]))
    assert (taken.kind, taken.entity, taken.entity_id) == ("deal_reassigned", "deal", int(deal["id"]))
    assert given.message == f"{head.name} gave you the deal 'Big order'"
    assert taken.message == f"{head.name} reassigned your deal 'Big order' to {colleague.name}"
    assert events[topics.notifications(colleague.id)].payload == {
        "id": given.id, "deal_id": int(deal["id"]), "message": given.message}
    listed = await ok(colleague, "{ notifications(first: 5) { edges { node { kind entity entityId } } } }")
    assert listed["notifications"]["edges"][0]["node"] == {"kind": "deal_reassigned", "entity": "deal",
                                                            "entityId": deal["id"]}

    await ok(head, UPDATE, input={"id": deal["id"], "version": 2, "ownerId": str(head.id)})
    assert await Notification.filter(user_id=head.id).count() == 0  # taking it oneself tells only the one it left
    assert await Notification.filter(user_id=colleague.id).count() == 2
    await ok(head, UPDATE, input={"id": deal["id"], "version": 3, "title": "Bigger order"})
    assert await Notification.all().count() == 3  # other edits tell nobody


HISTORY = """query($id: ID!) { deal(id: $id) { fieldHistory { field oldValue newValue changedBy { id }
  oldAmount { amount currency } newAmount { amount currency } oldOwner { id } newOwner { id } } } }"""


async def test_edits_of_a_deal_show_in_its_field_history_from_the_audit_log(db):
    team = await sales_teams()
    head, rep, colleague = team["head"], team["rep"], team["colleague"]
    await set_exchange_rate(Actor.system(), "USD", "0.9")
    customer = await make_customer(rep)
    deal = await make_deal(rep, customer["id"], amount=100000)
    await ok(rep, UPDATE, input={"id": deal["id"], "version": 1, "amount": 150000, "probability": 35,
                                 "expectedCloseDate": "2030-03-31", "title": "Not a shown field"})
    await ok(rep, UPDATE, input={"id": deal["id"], "version": 2, "currency": "USD", "amount": 160000})
    await ok(head, UPDATE, input={"id": deal["id"], "version": 3, "ownerId": str(colleague.id)})
    with count_statements() as statements:
        changes = (await ok(head, HISTORY, id=deal["id"]))["deal"]["fieldHistory"]
    assert [(c["field"], c["oldValue"], c["newValue"]) for c in changes] == [
        ("amount", "100000", "150000"), ("expectedCloseDate", None, "2030-03-31"), ("probability", "10", "35"),
        ("amount", "150000", "160000"), ("currency", "EUR", "USD"),
        ("owner", str(rep.id), str(colleague.id)),
    ]
    assert [c["changedBy"]["id"] for c in changes] == [str(rep.id)] * 5 + [str(head.id)]
    # Each amount in the currency it was in then; owners as users.
    assert [(c["oldAmount"], c["newAmount"]) for c in changes if c["field"] == "amount"] == [
        ({"amount": 150000 - 50000, "currency": "EUR"}, {"amount": 150000, "currency": "EUR"}),
        ({"amount": 150000, "currency": "EUR"}, {"amount": 160000, "currency": "USD"})]
    assert (changes[-1]["oldOwner"], changes[-1]["newOwner"]) == ({"id": str(rep.id)}, {"id": str(colleague.id)})
    assert changes[0]["oldOwner"] is None and changes[-1]["oldAmount"] is None
    assert len(statements) <= 6  # the deal, its audited edits, their users: no query per change
