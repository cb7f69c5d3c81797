"""Leads through the schema: capture, status workflow, visibility, list/filter/page, and convertLead all or nothing."""

import asyncio
from typing import Any

import pytest

from backend.live import topics
from backend.live.broadcast import hub
from backend.models import AuditEntry, Contact, Customer, Deal, DealStageChange, Lead, LeadStatus, Role
from backend.services import deals as deal_service
from tests.factories import error, make_contact, make_customer, make_team, make_user, ok

CREATE = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id version title status owner { id } allowedStatuses } }"
UPDATE = "mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id version status lostReason title } }"
CONVERT = """mutation($input: ConvertLeadInput!) { convertLead(input: $input) {
  lead { id status version deal { id } customer { id } }
  deal { id title amount { amount currency } stage { name } contact { id } owner { id } }
  customer { id name status } } }"""
LIST = """query($first: Int, $after: String, $f: LeadFilter, $o: LeadOrder, $s: String) {
  leads(first: $first, after: $after, filter: $f, orderBy: $o, search: $s) {
    totalCount edges { node { title } } pageInfo { hasNextPage endCursor } } }"""


async def make_lead(who: Any, **fields: Any) -> dict[str, Any]:
    return (await ok(who, CREATE, input={"title": "Lead", **fields}))["createLead"]


async def test_create_lead_with_audit(db):
    admin = await make_user(Role.ADMIN)
    lead = await make_lead(admin, title="Sensors for trams", source="fair", companyName="Tram Co")
    assert lead["status"] == "NEW" and lead["owner"] == {"id": str(admin.id)}
    assert lead["allowedStatuses"] == ["CONTACTED", "QUALIFIED", "LOST"]
    entry = await AuditEntry.get(entity="lead", entity_id=lead["id"])
    assert entry.action == "lead.create" and entry.changes["company_name"] == [None, "Tram Co"]


async def test_validation_names_the_field_and_writes_nothing(db):
    admin = await make_user(Role.ADMIN)
    customer, other = await make_customer(admin), await make_customer(admin)
    contact = await make_contact(admin, customerId=other["id"])
    audits = await AuditEntry.all().count()
    for fields, field in [
        ({"title": " "}, "title"),
        ({"source": "x" * 101}, "source"),
        ({"customerId": "424242"}, "customerId"),
        ({"customerId": customer["id"], "contactId": contact["id"]}, "contactId"),
        ({"ownerId": "424242"}, "ownerId"),
    ]:
        err = await error(admin, CREATE, input={"title": "T", **fields})
        assert err.get("field") == field, (fields, err)
    assert await Lead.all().count() == 0 and await AuditEntry.all().count() == audits


async def test_status_workflow(db):
    admin = await make_user(Role.ADMIN)
    lead = await make_lead(admin)
    step = lambda version, **f: {"id": lead["id"], "version": version, **f}  # noqa: E731
    assert (await ok(admin, UPDATE, input=step(1, status="CONTACTED")))["updateLead"]["status"] == "CONTACTED"
    back = await error(admin, UPDATE, input=step(2, status="NEW"))
    assert (back["code"], back["field"]) == ("BAD_USER_INPUT", "status")
    converted = await error(admin, UPDATE, input=step(2, status="CONVERTED"))
    assert converted["field"] == "status" and "convertLead" in converted["message"]
    no_reason = await error(admin, UPDATE, input=step(2, status="LOST"))
    assert no_reason["field"] == "lostReason"
    lost = (await ok(admin, UPDATE, input=step(2, status="LOST", lostReason="no budget")))["updateLead"]
    assert (lost["status"], lost["lostReason"], lost["version"]) == ("LOST", "no budget", 3)
    stale = await error(admin, UPDATE, input=step(2, title="late"))
    assert stale["code"] == "CONFLICT" and stale["currentVersion"] == 3
    reopened = (await ok(admin, UPDATE, input=step(3, status="NEW")))["updateLead"]
    assert (reopened["status"], reopened["lostReason"]) == ("NEW", "")
    history = await AuditEntry.filter(entity="lead", action="lead.update").order_by("id").values_list("changes", flat=True)
    assert [h["status"] for h in history] == [["new", "contacted"], ["contacted", "lost"], ["lost", "new"]]


async def test_visibility_and_roles(db):
    north, south = await make_team(), await make_team()
    rep, rep2 = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    support, marketing = await make_user(Role.SUPPORT), await make_user(Role.MARKETING)
    own = await make_lead(rep, title="Rep's lead")
    assert (await error(rep2, "query($id: ID!) { lead(id: $id) { id } }", id=own["id"]))["code"] == "NOT_FOUND"
    assert (await error(rep2, UPDATE, input={"id": own["id"], "version": 1, "title": "x"}))["code"] == "NOT_FOUND"
    assert (await ok(rep2, LIST))["leads"]["totalCount"] == 0
    assert (await ok(support, LIST))["leads"]["totalCount"] == 1
    for user in (support, marketing):
        assert (await error(user, CREATE, input={"title": "x"}))["code"] == "FORBIDDEN"
        assert (await error(user, CONVERT, input={"id": own["id"], "version": 1}))["code"] == "FORBIDDEN"
    assert await Lead.all().count() == 1


async def test_list_filter_search_order_and_paging(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    for i in range(12):
        await make_lead(admin, title=f"L{i:02d}", source="web" if i % 2 else "fair", companyName="Rail Co" if i < 3 else "")
    await make_lead(admin, title="Linked", customerId=customer["id"])
    data = lambda **v: ok(admin, LIST, **v)  # noqa: E731
    assert (await data(f={"source": ["web"]}))["leads"]["totalCount"] == 6
    assert (await data(f={"customerId": [customer["id"]]}))["leads"]["edges"] == [{"node": {"title": "Linked"}}]
    assert (await data(f={"status": ["LOST"]}))["leads"]["totalCount"] == 0
    assert (await data(f={"ownerId": [str(admin.id)]}))["leads"]["totalCount"] == 13
    assert [e["node"]["title"] for e in (await data(s="rail co", o={"field": "TITLE"}))["leads"]["edges"]] == ["L00", "L01", "L02"]
    seen, after = [], None
    while True:
        page = (await data(first=5, after=after, o={"field": "TITLE", "direction": "DESC"}))["leads"]
        seen += [e["node"]["title"] for e in page["edges"]]
        await make_lead(admin, title="Z inserted before the cursor")
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    originals = [t for t in seen if t.startswith("L")]
    assert originals == sorted(originals, reverse=True) and len(set(originals)) == 13


async def test_convert_with_a_new_customer_opens_a_deal_in_the_first_stage(db):
    north = await make_team()
    rep = await make_user(Role.SALES_REP, north)
    lead = await make_lead(rep, title="Tram sensors")
    async with hub.subscribe(topics.deals()) as sub:
        result = (await ok(rep, CONVERT, input={
            "id": lead["id"], "version": 1, "amount": 990_000,
            "newCustomer": {"name": "Tram Co", "email": "buy@tram.example", "country": "de"},
        }))["convertLead"]
        event = await asyncio.wait_for(anext(aiter(sub)), 5)
    deal, customer = result["deal"], result["customer"]
    assert (customer["name"], customer["status"]) == ("Tram Co", "PROSPECT")
    assert deal["title"] == "Tram sensors" and deal["stage"]["name"] == "New" and deal["owner"] == {"id": str(rep.id)}
    assert deal["amount"] == {"amount": 990_000, "currency": "EUR"}
    assert result["lead"] == {
        "id": lead["id"], "status": "CONVERTED", "version": 2, "deal": {"id": deal["id"]}, "customer": {"id": customer["id"]}
    }
    assert event.kind == "created" and event.payload["id"] == int(deal["id"])
    actions = set(await AuditEntry.all().values_list("action", flat=True))
    assert {"lead.create", "customer.create", "deal.create", "lead.convert"} <= actions
    again = await error(rep, CONVERT, input={"id": lead["id"], "version": 2})
    assert (again["code"], again["field"]) == ("BAD_USER_INPUT", "id")
    final = await error(rep, UPDATE, input={"id": lead["id"], "version": 2, "status": "LOST", "lostReason": "x"})
    assert final["code"] == "BAD_USER_INPUT"


async def test_convert_links_the_leads_customer_and_contact(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    contact = await make_contact(admin, customerId=customer["id"])
    lead = await make_lead(admin, customerId=customer["id"], contactId=contact["id"])
    result = (await ok(admin, CONVERT, input={"id": lead["id"], "version": 1, "dealTitle": "Pilot"}))["convertLead"]
    assert result["customer"]["id"] == customer["id"] and result["deal"]["contact"] == {"id": contact["id"]}
    assert result["deal"]["title"] == "Pilot" and await Customer.all().count() == 1


async def test_convert_brings_the_leads_contact_to_the_new_customer(db):
    rep = await make_user(Role.SALES_REP, await make_team())
    contact = await make_contact(rep, name="Ada Person", email="ada@home.example")
    lead = await make_lead(rep, title="Tram sensors", contactId=contact["id"])
    result = (await ok(rep, CONVERT, input={
        "id": lead["id"], "version": 1, "amount": 12000, "newCustomer": {"name": "Tram Co", "email": "buy@tram.example"},
    }))["convertLead"]
    assert result["deal"]["contact"] == {"id": contact["id"]}
    row = await Contact.get(id=int(contact["id"]))
    assert (row.customer_id, row.is_primary) == (int(result["customer"]["id"]), True)
    entry = await AuditEntry.get(entity="contact", entity_id=contact["id"], action="contact.update")
    assert entry.changes["customer_id"] == [None, row.customer_id] and entry.changes["is_primary"] == [False, True]


async def test_convert_keeps_the_customers_primary_and_a_contact_working_elsewhere(db):
    admin = await make_user(Role.ADMIN)
    customer, other = await make_customer(admin), await make_customer(admin)
    primary = await make_contact(admin, customerId=customer["id"], isPrimary=True)
    loose = await make_contact(admin)
    lead = await make_lead(admin, contactId=loose["id"])
    result = (await ok(admin, CONVERT, input={"id": lead["id"], "version": 1, "customerId": customer["id"]}))["convertLead"]
    assert result["deal"]["contact"] == {"id": loose["id"]}
    joined = await Contact.get(id=int(loose["id"]))
    assert (joined.customer_id, joined.is_primary) == (int(customer["id"]), False)
    assert (await Contact.get(id=int(primary["id"]))).is_primary
    elsewhere = await make_contact(admin, customerId=other["id"])
    lead = await make_lead(admin, contactId=elsewhere["id"])
    result = (await ok(admin, CONVERT, input={"id": lead["id"], "version": 1, "customerId": customer["id"]}))["convertLead"]
    assert result["deal"]["contact"] is None
    assert (await Contact.get(id=int(elsewhere["id"]))).customer_id == int(other["id"])


@pytest.mark.parametrize("failure", ["validation", "crash"])
async def test_convert_is_all_or_nothing(db, monkeypatch, failure):
    admin = await make_user(Role.ADMIN)
    lead = await make_lead(admin)
    new_customer = {"name": "Never Co", "email": "never@example.com"}
    if failure == "crash":
        async def broken(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(deal_service, "insert_deal", broken)
    audits = await AuditEntry.all().count()
    async with hub.subscribe(topics.deals()) as sub:
        variables = {"id": lead["id"], "version": 1, "newCustomer": new_customer}
        if failure == "validation":
            variables["currency"] = "XYZ"  # refused at the deal step, after the customer was inserted
        err = await error(admin, CONVERT, input=variables)
        assert err["code"] == ("BAD_USER_INPUT" if failure == "validation" else "INTERNAL")
        assert await Customer.all().count() == 0 and await Deal.all().count() == 0
        assert await DealStageChange.all().count() == 0 and await AuditEntry.all().count() == audits
        row = await Lead.get(id=int(lead["id"]))
        assert (row.status, row.version, row.deal_id) == (LeadStatus.NEW, 1, None)
        monkeypatch.undo()
        await ok(admin, CONVERT, input={"id": lead["id"], "version": 1, "newCustomer": new_customer})
        assert (await asyncio.wait_for(anext(aiter(sub)), 5)).payload["id"] == (await Deal.get()).id  # no earlier event


async def test_convert_needs_a_customer_and_a_fresh_version(db):
    admin = await make_user(Role.ADMIN)
    lead = await make_lead(admin)
    none = await error(admin, CONVERT, input={"id": lead["id"], "version": 1})
    assert (none["code"], none["field"]) == ("BAD_USER_INPUT", "customerId")
    bad = await error(admin, CONVERT, input={"id": lead["id"], "version": 1, "newCustomer": {"name": "X", "email": "nope"}})
    assert bad["field"] == "newCustomer.email"
    customer = await make_customer(admin)
    stale = await error(admin, CONVERT, input={"id": lead["id"], "version": 7, "customerId": customer["id"]})
    assert stale["code"] == "CONFLICT"
    assert await Deal.all().count() == 0


async def test_a_lead_is_lost_for_a_listed_reason_as_deals_are(db):
    admin = await make_user(Role.ADMIN)
    reason = (await ok(admin, "mutation { createLostReason(input: {name: \"Went in-house\"}) { id version } }"))[
        "createLostReason"]
    lead = await make_lead(admin)
    lose = "mutation($input: UpdateLeadInput!) { updateLead(input: $input) { version lostReason lostReasonChoice { name } } }"
    step = lambda version, **f: {"id": lead["id"], "version": version, "status": "LOST", **f}  # noqa: E731
    unknown = await error(admin, lose, input=step(1, lostReasonId="999999"))
    assert (unknown["code"], unknown["field"]) == ("NOT_FOUND", "lostReasonId")
    lost = (await ok(admin, lose, input=step(1, lostReasonId=reason["id"], lostReason="their own team")))["updateLead"]
    assert (lost["lostReason"], lost["lostReasonChoice"]) == ("Went in-house: their own team", {"name": "Went in-house"})
    entry = await AuditEntry.filter(entity="lead", action="lead.update").order_by("-id").first()
    assert entry is not None and entry.changes["lost_reason_choice_id"] == [None, int(reason["id"])]
    reopened = (await ok(admin, lose, input={"id": lead["id"], "version": 2, "status": "NEW"}))["updateLead"]
    assert (reopened["lostReason"], reopened["lostReasonChoice"]) == ("", None)  # reopening clears both
    await ok(admin, "mutation($input: ArchiveLostReasonInput!) { archiveLostReason(input: $input) { id } }",
             input={"id": reason["id"], "version": reason["version"]})
    archived = await error(admin, lose, input=step(3, lostReasonId=reason["id"]))
    assert (archived["field"], await Lead.get(id=lead["id"]).values_list("status", flat=True)) == (
        "lostReasonId", LeadStatus.NEW)  # refused, nothing written
