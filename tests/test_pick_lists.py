"""Industries, segments and lead sources as lists admins keep (issue 18): pickList, createPickListItem,
updatePickListItem, pickListChanged; records take values from the list, keep the ones they have."""

from __future__ import annotations

from typing import Any

from tortoise import connections

from backend.live import topics
from backend.migrations import m0030_workflows
from backend.models import AuditEntry, Customer, PickListItem, Role
from tests.factories import actor, error, make_customer, make_user, ok
from tests.test_subscriptions import lives, subscribe  # noqa: F401  (the lives fixture)

LIST = "query($list: PickListName!) { pickList(list: $list, includeArchived: true) { id label position archived version } }"
CREATE = "mutation($input: CreatePickListItemInput!) { createPickListItem(input: $input) { id label version } }"
UPDATE = ("mutation($input: UpdatePickListItemInput!) { updatePickListItem(input: $input) "
          "{ id label position archived version } }")
UPDATE_CUSTOMER = ("mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) "
                   "{ id version industry segment } }")
CREATE_LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id source } }"
CHANGED = "subscription { pickListChanged { list itemId } }"


async def keep(admin: Any, pick_list: str, *labels: str) -> list[dict[str, Any]]:
    return [(await ok(admin, CREATE, input={"list": pick_list, "label": label}))["createPickListItem"]
            for label in labels]


async def test_records_take_values_from_the_kept_list_and_keep_the_ones_they_have(db):
    admin = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP)
    # A list nobody keeps yet leaves the field free text, as before the list existed.
    customer = await make_customer(admin, industry="Shipbuilding", accountManagerId=str(rep.id))
    rail, _food = await keep(admin, "INDUSTRY", "Rail", "Food & Beverage")
    await keep(admin, "SEGMENT", "Enterprise", "SMB")

    refused = await error(rep, UPDATE_CUSTOMER, input={"id": customer["id"], "version": customer["version"],
                                                       "industry": "Mining"})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "industry")
    assert "not in the list of industries" in refused["message"]
    # The value it has stays, though no longer listed; a listed one is taken in the list's spelling.
    kept = (await ok(rep, UPDATE_CUSTOMER, input={"id": customer["id"], "version": customer["version"],
                                                  "industry": "Shipbuilding", "segment": "smb"}))["updateCustomer"]
    assert (kept["industry"], kept["segment"]) == ("Shipbuilding", "SMB")
    moved = (await ok(rep, UPDATE_CUSTOMER, input={"id": customer["id"], "version": kept["version"],
                                                   "industry": "rail"}))["updateCustomer"]
    assert moved["industry"] == "Rail"

    # Archived: records that have it keep it, nobody gives it anew.
    await ok(admin, UPDATE, input={"id": rail["id"], "version": rail["version"], "archived": True})
    again = (await ok(rep, UPDATE_CUSTOMER, input={"id": customer["id"], "version": moved["version"],
                                                   "industry": "Rail", "segment": ""}))["updateCustomer"]
    assert (again["industry"], again["segment"]) == ("Rail", "")
    other = await make_customer(admin, accountManagerId=str(rep.id))
    refused = await error(rep, UPDATE_CUSTOMER, input={"id": other["id"], "version": other["version"],
                                                       "industry": "Rail"})
    assert (refused["field"], "archived" in refused["message"]) == ("industry", True)
    refused = await error(admin, "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
                          input={"name": "Rail Co", "email": "rail@example.com", "industry": "Rail"})
    assert refused["field"] == "industry"
    assert await Customer.filter(name="Rail Co").count() == 0


async def test_lead_sources_are_checked_too(db):
    admin = await make_user(Role.ADMIN)
    await keep(admin, "LEAD_SOURCE", "Website", "Trade fair")
    refused = await error(admin, CREATE_LEAD, input={"title": "Forty machines", "source": "Billboard"})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "source")
    made = (await ok(admin, CREATE_LEAD, input={"title": "Forty machines", "source": "trade fair"}))["createLead"]
    assert made["source"] == "Trade fair"


async def test_admins_keep_the_lists_audited_and_live(db, lives):  # noqa: F811
    admin = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP)
    watcher = await subscribe(actor(rep), CHANGED, topics.configuration())
    lives.append(watcher)
    first, second = await keep(admin, "LEAD_SOURCE", "Website", "Referral")
    assert await watcher.data("pickListChanged") == {"list": "LEAD_SOURCE", "itemId": first["id"]}
    assert await watcher.data("pickListChanged") == {"list": "LEAD_SOURCE", "itemId": second["id"]}
    await ok(admin, UPDATE, input={"id": second["id"], "version": 1, "position": 1})
    assert [i["label"] for i in (await ok(rep, LIST, list="LEAD_SOURCE"))["pickList"]] == ["Referral", "Website"]
    assert await watcher.data("pickListChanged") == {"list": "LEAD_SOURCE", "itemId": second["id"]}
    actions = await AuditEntry.filter(actor_id=admin.id).order_by("id").values_list("action", flat=True)
    assert actions == ["pick_list_item.create", "pick_list_item.create", "pick_list_item.update"]

    for role in (Role.SALES_HEAD, Role.SALES_REP, Role.SUPPORT, Role.MARKETING):
        who = await make_user(role)
        assert (await error(who, CREATE, input={"list": "INDUSTRY", "label": "Mine"}))["code"] == "FORBIDDEN"
    refused = await error(admin, CREATE, input={"list": "LEAD_SOURCE", "label": "website"})
    assert refused["field"] == "label"  # unique in its list, case ignored
    refused = await error(admin, CREATE, input={"list": "SEGMENT", "label": "x" * 51})
    assert refused["field"] == "label"  # a segment's column holds 50 characters
    # Lists are separate: the same label may be in two of them.
    await keep(admin, "INDUSTRY", "Website")
    assert await PickListItem.filter(label="Website").count() == 2


async def test_the_migration_lists_common_values_and_every_value_records_carry(db):
    admin = await make_user(Role.ADMIN)
    await make_customer(admin, industry="Shipbuilding", segment="Enterprise")
    await make_customer(admin, industry="shipbuilding")
    await make_customer(admin, industry="rail")  # one of the common values, spelled otherwise
    await m0030_workflows.seed_lists(connections.get("default"))
    industries = [i["label"] for i in (await ok(admin, LIST, list="INDUSTRY"))["pickList"]]
    assert industries == [*m0030_workflows.COMMON["industry"], "Shipbuilding"]
    positions = [i["position"] for i in (await ok(admin, LIST, list="SEGMENT"))["pickList"]]
    assert positions == [1, 2, 3]
    await m0030_workflows.seed_lists(connections.get("default"))  # runs again without doubling anything
    assert len((await ok(admin, LIST, list="INDUSTRY"))["pickList"]) == len(industries)


async def test_imports_check_industries_segments_and_sources_row_by_row(db, tmp_path):
    from backend.models import ImportProblem, Lead
    from tests.test_imports import run_import, write

    admin = await make_user(Role.ADMIN)
    await keep(admin, "INDUSTRY", "Rail")
    await keep(admin, "LEAD_SOURCE", "Website")
    job = await run_import(admin, write(tmp_path, "name,email,industry\nNordbahn,info@nordbahn.example,rail\n"
                                                  "Meerwerft,info@meerwerft.example,Shipbuilding\n"))
    assert (job.created, job.invalid) == (1, 1)
    assert (await Customer.get(name="Nordbahn")).industry == "Rail"  # the list's spelling
    problem = await ImportProblem.get(job_id=job.id)
    assert (problem.row, problem.column) == (3, "industry") and "not in the list" in problem.message
    job = await run_import(admin, write(tmp_path, "title,source\nForty machines,website\nTen machines,Billboard\n",
                                        name="leads.csv"), entity="leads")
    assert (job.created, job.invalid) == (1, 1)
    assert (await Lead.get(title="Forty machines")).source == "Website"
