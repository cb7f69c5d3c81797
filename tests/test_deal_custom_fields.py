"""Custom fields on deals and activities (issue 18): the same machinery as customers' — values validated on
the write path (`customFields.<key>`), versioned, audited, in the events, read through one loader per list,
filtered (`filter.custom`) and, for deals, sorted (`orderBy.customField`), also in reports and on the board's
live stream."""

from __future__ import annotations

from typing import Any

from backend.live import topics
from backend.live.events import ActivityAdded, DealUpdated
from backend.models import AuditEntry, CustomValue, Role
from tests.factories import actor, error, log_activity, make_customer, make_deal, make_user, ok, published
from tests.sqlcount import count_statements
from tests.test_custom_fields import define, value
from tests.test_subscriptions import lives, subscribe  # noqa: F401  (lives is a fixture)

VALUES = "customFields { key type text number date boolean options }"
CREATE_DEAL = f"mutation($input: CreateDealInput!) {{ createDeal(input: $input) {{ id version {VALUES} }} }}"
UPDATE_DEAL = f"mutation($input: UpdateDealInput!) {{ updateDeal(input: $input) {{ id version {VALUES} }} }}"
DEALS = """query($filter: DealFilter, $order: DealOrder, $first: Int, $after: String) {
  deals(filter: $filter, orderBy: $order, first: $first, after: $after) {
    totalCount edges { node { title customFields { key number text } } } pageInfo { endCursor hasNextPage } } }"""
LOG = f"mutation($input: LogActivityInput!) {{ logActivity(input: $input) {{ id version {VALUES} }} }}"
UPDATE_TASK = f"mutation($input: UpdateTaskInput!) {{ updateTask(input: $input) {{ id version {VALUES} }} }}"
ACTIVITIES = """query($filter: ActivityFilter) { activities(filter: $filter, first: 100) {
  totalCount edges { node { title customFields { key text } } } } }"""


async def test_deal_values_are_validated_defaulted_versioned_audited_and_in_the_event(db, monkeypatch):
    admin = await make_user(Role.ADMIN)
    await define(admin, "fleet_size", "NUMBER", entity="DEAL")
    await define(admin, "tier", "SELECT", entity="DEAL", options=["Gold", "Silver"], default={"text": "Silver"})
    await define(admin, "fleet_size", "NUMBER")  # the customers' field of the same key is another field
    customer = await make_customer(admin)
    refused = await error(admin, CREATE_DEAL, input={"title": "T", "customerId": customer["id"],
                                                     "customFields": [{"key": "fleet_size", "text": "many"}]})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "customFields.fleet_size")
    assert await CustomValue.filter(field__entity="deal").count() == 0
    deal = (await ok(admin, CREATE_DEAL, input={"title": "T", "customerId": customer["id"],
                                                "customFields": [{"key": "fleet_size", "number": 12}]}))["createDeal"]
    assert (value(deal, "fleet_size")["number"], value(deal, "tier")["text"]) == (12, "Silver")
    created = await AuditEntry.get(entity="deal", action="deal.create")
    assert (created.changes["custom.fleet_size"], created.changes["custom.tier"]) == ([None, 12], [None, "Silver"])
    sent = published(monkeypatch)
    updated = (await ok(admin, UPDATE_DEAL, input={"id": deal["id"], "version": deal["version"],
                                                   "customFields": [{"key": "fleet_size", "number": 40}]}))["updateDeal"]
    assert (updated["version"], value(updated, "fleet_size")["number"]) == (deal["version"] + 1, 40)
    stale = await error(admin, UPDATE_DEAL, input={"id": deal["id"], "version": deal["version"],
                                                   "customFields": [{"key": "fleet_size", "number": 41}]})
    assert stale["code"] == "CONFLICT"
    entry = await AuditEntry.get(entity="deal", action="deal.update")
    assert entry.changes == {"custom.fleet_size": [12, 40]}
    assert [e.custom_fields for e in sent if isinstance(e, DealUpdated)] == [["fleet_size"]]
    deleted = "mutation($input: DeleteDealInput!) { deleteDeal(input: $input) { id } }"
    await ok(admin, deleted, input={"id": deal["id"], "version": updated["version"]})
    assert await CustomValue.filter(field__entity="deal").count() == 0


async def test_a_required_deal_field_binds_the_form_not_a_leads_conversion(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "contract_end", "DATE", entity="DEAL", required=True)
    customer = await make_customer(admin)
    missing = await error(admin, CREATE_DEAL, input={"title": "T", "customerId": customer["id"]})
    assert missing["field"] == "customFields.contract_end"
    lead = (await ok(admin, "mutation { createLead(input: {title: \"L\"}) { id version } }"))["createLead"]
    converted = await ok(admin, f"""mutation($input: ConvertLeadInput!) {{
      convertLead(input: $input) {{ deal {{ {VALUES} }} }} }}""",
                         input={"id": lead["id"], "version": lead["version"], "customerId": customer["id"]})
    assert value(converted["convertLead"]["deal"], "contract_end")["date"] is None


async def test_deals_filter_and_sort_by_custom_fields_in_lists_reports_and_the_board(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "fleet_size", "NUMBER", entity="DEAL")
    customer = await make_customer(admin)
    for title, fleet in [("A", 5), ("B", 50), ("C", None), ("D", 500)]:
        values = [{"key": "fleet_size", "number": fleet}] if fleet is not None else []
        await make_deal(admin, customer["id"], title=title, customFields=values)

    async def titles(**variables: Any) -> list[str]:
        return [e["node"]["title"] for e in (await ok(admin, DEALS, **variables))["deals"]["edges"]]

    big = {"custom": [{"key": "fleet_size", "op": "GTE", "number": 50}]}
    assert sorted(await titles(filter=big)) == ["B", "D"]
    assert await titles(order={"customField": "fleet_size", "direction": "DESC"}) == ["D", "B", "A", "C"]
    seen, after = [], None
    for _ in range(4):
        page = (await ok(admin, DEALS, order={"customField": "fleet_size"}, first=1, after=after))["deals"]
        seen += [e["node"]["title"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"]
    assert seen == ["A", "B", "D", "C"]
    unknown = await error(admin, DEALS, filter={"custom": [{"key": "nope", "op": "EQ", "number": 1}]})
    assert (unknown["code"], unknown["field"]) == ("BAD_USER_INPUT", "filter.custom.key")
    report = await ok(admin, """query($f: DealFilter) { report(input: {groupBy: [STAGE], measures: [COUNT], filter: $f}) {
      rows { count } } }""", f=big)
    assert sum(r["count"] for r in report["report"]["rows"]) == 2
    board = await ok(admin, "query($f: DealFilter) { pipelines { summary(filter: $f) { count } } }", f=big)
    assert sum(p["summary"]["count"] for p in board["pipelines"]) == 2


async def test_a_deal_list_reads_custom_values_in_a_fixed_number_of_statements(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "fleet_size", "NUMBER", entity="DEAL")
    customer = await make_customer(admin)

    async def statements(count: int) -> int:
        for _ in range(count):
            await make_deal(admin, customer["id"], customFields=[{"key": "fleet_size", "number": 3}])
        with count_statements() as seen:
            await ok(admin, DEALS, first=100)
        return len(seen)

    assert await statements(2) == await statements(20)


async def test_the_board_stream_filters_by_custom_fields(db, lives):  # noqa: F811
    admin = await make_user(Role.ADMIN)
    await define(admin, "fleet_size", "NUMBER", entity="DEAL")
    customer = await make_customer(admin)
    small = await make_deal(admin, customer["id"], title="Small", customFields=[{"key": "fleet_size", "number": 1}])
    big = await make_deal(admin, customer["id"], title="Big", customFields=[{"key": "fleet_size", "number": 90}])
    document = "subscription($f: DealFilter) { dealChanged(filter: $f) { kind deal { title } } }"
    watcher = await subscribe(actor(admin), document, topics.deals(),
                              f={"custom": [{"key": "fleet_size", "op": "GT", "number": 10}]})
    lives.append(watcher)
    for deal in (small, big):
        await ok(admin, UPDATE_DEAL, input={"id": deal["id"], "version": deal["version"], "title": deal["title"] + "!"})
    assert (await watcher.data("dealChanged"))["deal"] == {"title": "Big!"}


async def test_activity_values_on_log_and_task_update_filtered_and_copied_to_the_next_occurrence(db, monkeypatch):
    admin = await make_user(Role.ADMIN)
    await define(admin, "channel", "SELECT", entity="ACTIVITY", options=["Phone", "Video"])
    await define(admin, "agenda", "TEXT", entity="ACTIVITY", required=True)
    customer = await make_customer(admin)
    sent = published(monkeypatch)
    missing = await error(admin, LOG, input={"kind": "CALL", "title": "Call", "customerId": customer["id"]})
    assert missing["field"] == "customFields.agenda"
    call = (await ok(admin, LOG, input={"kind": "CALL", "title": "Call", "customerId": customer["id"], "customFields": [
        {"key": "channel", "text": "Video"}, {"key": "agenda", "text": "Pricing"}]}))["logActivity"]
    assert (value(call, "channel")["text"], value(call, "agenda")["text"]) == ("Video", "Pricing")
    assert [e.id for e in sent if isinstance(e, ActivityAdded)] == [int(call["id"])]  # subscribers read its values
    entry = await AuditEntry.get(entity="activity", action="activity.log")
    assert entry.changes["custom.channel"] == [None, "Video"]
    await log_activity(admin, kind="NOTE", title="Other", customerId=customer["id"],
                       customFields=[{"key": "agenda", "text": "Other"}])
    listed = await ok(admin, ACTIVITIES, filter={"custom": [{"key": "channel", "op": "EQ", "text": "Video"}]})
    assert [e["node"]["title"] for e in listed["activities"]["edges"]] == ["Call"]
    task = await log_activity(admin, kind="TASK", title="Follow up", customerId=customer["id"],
                              repeat={"every": 1, "unit": "WEEK"}, customFields=[{"key": "agenda", "text": "Renewal"}])
    changed = (await ok(admin, UPDATE_TASK, input={"id": task["id"], "version": task["version"], "customFields": [
        {"key": "channel", "text": "Phone"}]}))["updateTask"]
    assert (changed["version"], value(changed, "channel")["text"]) == (task["version"] + 1, "Phone")
    cleared = await error(admin, UPDATE_TASK, input={"id": task["id"], "version": changed["version"],
                                                     "customFields": [{"key": "agenda"}]})
    assert cleared["field"] == "customFields.agenda"
    await ok(admin, "mutation($input: CompleteTaskInput!) { completeTask(input: $input) { id } }",
             input={"id": task["id"], "version": changed["version"]})
    following = await ok(admin, f"""query {{ activities(filter: {{open: true}}) {{ edges {{ node {{ id {VALUES} }} }} }} }}""")
    node = following["activities"]["edges"][0]["node"]
    assert (value(node, "agenda")["text"], value(node, "channel")["text"]) == ("Renewal", "Phone")
