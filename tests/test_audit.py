"""The audit log through the schema: who, when, via, what; filters, paging and who may read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from backend.auth.actor import Actor
from backend.models import Role
from tests.factories import actor, error, make_customer, make_team, make_user, ok

LOG = """query($filter: AuditFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id at via action entity entityId changes actorLabel actor { email } } }
  }
}"""


def nodes(data):
    return [edge["node"] for edge in data["auditLog"]["edges"]]


async def test_writes_appear_with_who_when_via_and_changes(db):
    admin = await make_user(Role.ADMIN, email="boss@example.com")
    created = await make_customer(admin, name="Audited Co")
    await ok(
        actor(admin, via="ui"),
        "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }",
        input={"id": created["id"], "version": 1, "name": "Audited Co 2"},
    )
    entries = nodes(await ok(admin, LOG, filter={"entity": "customer", "entityId": created["id"]}))
    assert [e["action"] for e in entries] == ["customer.update", "customer.create"]  # newest first
    update = entries[0]
    assert update["changes"] == {"name": ["Audited Co", "Audited Co 2"]}
    assert (update["via"], update["actorLabel"], update["actor"]) == ("ui", "boss@example.com", {"email": "boss@example.com"})
    assert datetime.fromisoformat(update["at"]) > datetime.now(UTC) - timedelta(minutes=1)


async def test_filters_and_pages(db):
    admin = await make_user(Role.ADMIN)
    other = await make_user(Role.ADMIN)
    for i in range(3):
        await make_customer(admin, name=f"A{i}")
    await make_customer(other, name="B")
    by_other = nodes(await ok(admin, LOG, filter={"actorId": str(other.id)}))
    assert [e["changes"]["name"][1] for e in by_other] == ["B"]
    assert len(nodes(await ok(admin, LOG, filter={"action": "customer.create"}))) == 4
    assert nodes(await ok(admin, LOG, filter={"action": "customer.delete"})) == []
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert nodes(await ok(admin, LOG, filter={"at": {"start": future}})) == []
    assert len(nodes(await ok(admin, LOG, filter={"at": {"end": future}}))) == 4
    page = (await ok(admin, LOG, first=3))["auditLog"]
    assert page["totalCount"] == 4 and page["pageInfo"]["hasNextPage"]
    rest = nodes(await ok(admin, LOG, first=3, after=page["pageInfo"]["endCursor"]))
    seen = [e["node"]["id"] for e in page["edges"]] + [e["id"] for e in rest]
    assert len(set(seen)) == 4


async def test_sales_head_reads_their_teams_entries_only(db):
    north, south = await make_team("North"), await make_team("South")
    head = await make_user(Role.SALES_HEAD, team=north)
    north_rep = await make_user(Role.SALES_REP, team=north)
    south_rep = await make_user(Role.SALES_REP, team=south)
    await make_customer(north_rep, name="Northern")
    await make_customer(south_rep, name="Southern")
    seen = nodes(await ok(head, LOG, filter={"action": "customer.create"}))
    assert [e["changes"]["name"][1] for e in seen] == ["Northern"]


async def test_a_head_reads_what_others_did_to_the_teams_records_and_not_to_another_teams(db):
    north, south = await make_team("North"), await make_team("South")
    head = await make_user(Role.SALES_HEAD, team=north)
    admin = await make_user(Role.ADMIN, email="root@example.com")
    north_rep = await make_user(Role.SALES_REP, team=north)
    south_rep = await make_user(Role.SALES_REP, team=south)
    ours = await make_customer(north_rep, name="Northern")
    theirs = await make_customer(south_rep, name="Southern")
    rename = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }"
    for customer in (ours, theirs):  # an admin's change: made by no member of the team
        await ok(admin, rename, input={"id": customer["id"], "version": 1, "name": customer["name"] + " Ltd"})
    lead = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }"
    ours_lead = (await ok(admin, lead, input={"title": "Ours", "customerId": ours["id"]}))["createLead"]["id"]
    theirs_lead = (await ok(admin, lead, input={"title": "Theirs", "customerId": theirs["id"]}))["createLead"]["id"]
    user = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { id } }"
    for rep in (north_rep, south_rep):
        await ok(admin, user, input={"id": str(rep.id), "version": rep.version, "name": rep.name + " Jr"})

    by_admin = nodes(await ok(head, LOG, filter={"actorId": str(admin.id)}))
    assert sorted((e["entity"], e["entityId"]) for e in by_admin) == sorted([
        ("customer", ours["id"]), ("lead", ours_lead), ("user", str(north_rep.id))])
    assert {e["actorLabel"] for e in by_admin} == {"root@example.com"}
    # The admin reads it all; the other team's head only the other side.
    assert len(nodes(await ok(admin, LOG, filter={"actorId": str(admin.id)}))) == 6
    south_head = await make_user(Role.SALES_HEAD, team=south)
    theirs_seen = nodes(await ok(south_head, LOG, filter={"actorId": str(admin.id)}))
    assert sorted((e["entity"], e["entityId"]) for e in theirs_seen) == sorted([
        ("customer", theirs["id"]), ("lead", theirs_lead), ("user", str(south_rep.id))])


async def test_who_may_read_the_audit_log(db):
    for role in (Role.SALES_REP, Role.SUPPORT, Role.MARKETING):
        assert (await error(await make_user(role), LOG))["code"] == "FORBIDDEN"
    assert (await error(await make_user(None), LOG))["code"] == "FORBIDDEN"
    assert (await error(Actor.anonymous(), LOG))["code"] == "UNAUTHENTICATED"


async def test_no_mutation_changes_the_audit_log(db):
    from backend.graphql.root import schema

    mutation_names = schema._schema.mutation_type.fields
    assert not [name for name in mutation_names if "audit" in name.lower()]


async def test_entities_to_filter_by_are_those_the_reader_may_see(db):
    north = await make_team("North")
    admin = await make_user(Role.ADMIN)
    head = await make_user(Role.SALES_HEAD, team=north)
    await make_customer(await make_user(Role.SALES_REP, team=north))
    await ok(admin, "mutation { createTeam(input: {name: \"West\"}) { id } }")
    assert (await ok(admin, "{ auditEntities }"))["auditEntities"] == ["customer", "team"]
    assert (await ok(head, "{ auditEntities }"))["auditEntities"] == ["customer"]
    assert (await error(await make_user(Role.SALES_REP), "{ auditEntities }"))["code"] == "FORBIDDEN"


def test_the_audit_screen_shows_stored_times_in_the_users_zone_not_as_stored() -> None:
    from zoneinfo import ZoneInfo

    from frontend import format as fmt
    from frontend.components.field_change import text

    def change(old: str | None, new: str | None = None, **more: object) -> dict[str, object]:
        return {"field": "remindedAt", "oldValue": old, "newValue": new, **more}

    fmt.use_zone(ZoneInfo("Europe/Paris"))
    try:
        assert text(change("2026-11-30T06:26:26.893941+00:00"), "old") == "30 Nov 2026, 07:26"
        assert text(change("2026-11-30"), "old") == fmt.day("2026-11-30")  # a calendar date: the same day everywhere
        assert text(change(None), "old") == "–"
        assert text(change("true"), "old") == "yes" and text(change('["vip", "rail"]'), "old") == "vip, rail"
        money = change("125000", "-99", oldAmount={"amount": 125000, "currency": "EUR"},
                       newAmount={"amount": -99, "currency": "CAD"})
        assert (text(money, "old"), text(money, "new")) == ("€1,250.00", "-CAD 0.99")
        named = change("7", None, oldRecord={"kind": "customer", "id": "7", "name": None})
        assert text(named, "old") == "Customer #7"  # not visible to the reader: its kind and id, never its name
    finally:
        fmt.use_zone(ZoneInfo("UTC"))


CHANGES = """query($filter: AuditFilter) { auditLog(filter: $filter, first: 20) { edges { node { action
  record { kind id name }
  fieldChanges { field oldValue newValue oldAmount { amount currency } newAmount { amount currency }
                 oldRecord { kind id name } newRecord { kind id name } } } } } }"""


async def test_field_changes_read_amounts_with_currency_and_ids_as_records(db):
    admin = await make_user(Role.ADMIN, email="boss@example.com")
    seller = await make_user(Role.SALES_REP, email="seller@example.com")
    customer = await make_customer(admin, name="Money Co")
    deal = (await ok(admin, "mutation($input: CreateDealInput!) { createDeal(input: $input) { id version } }",
                     input={"title": "Big one", "customerId": customer["id"],
                            "amount": 100000, "currency": "EUR"}))["createDeal"]
    await ok(admin, "mutation($input: UpdateDealInput!) { updateDeal(input: $input) { id } }",
             input={"id": deal["id"], "version": deal["version"], "amount": 125000,
                    "ownerId": str(seller.id)})
    update = nodes(await ok(admin, CHANGES, filter={"entity": "deal", "action": "deal.update"}))[0]
    assert update["record"] == {"kind": "deal", "id": deal["id"], "name": "Big one"}
    by_field = {c["field"]: c for c in update["fieldChanges"]}
    amount = by_field["amount"]
    assert (amount["oldValue"], amount["newValue"]) == ("100000", "125000")
    assert amount["newAmount"] == {"amount": 125000, "currency": "EUR"}
    assert amount["oldAmount"] == {"amount": 100000, "currency": "EUR"}
    owner = by_field["owner"]
    assert owner["newRecord"] == {"kind": "user", "id": str(seller.id), "name": seller.name}
    assert owner["oldRecord"]["name"] == admin.name
    # every entity, not only deals: a contact's customer is a named record too
    await ok(admin, "mutation($input: CreateContactInput!) { createContact(input: $input) { id } }",
             input={"name": "Ann", "email": "ann@money.example", "customerId": customer["id"]})
    created = nodes(await ok(admin, CHANGES, filter={"entity": "contact"}))[0]
    assert created["record"]["name"] == "Ann"
    named = next(c for c in created["fieldChanges"] if c["field"] == "customer")
    assert named["oldRecord"] is None and named["newRecord"] == {"kind": "customer", "id": customer["id"],
                                                                 "name": "Money Co"}
    assert all(c["oldAmount"] is None for c in created["fieldChanges"])


async def test_a_record_the_reader_may_not_see_is_not_named(db):
    north, south = await make_team("North"), await make_team("South")
    admin = await make_user(Role.ADMIN)
    head = await make_user(Role.SALES_HEAD, team=north)
    north_rep = await make_user(Role.SALES_REP, team=north)
    south_rep = await make_user(Role.SALES_REP, team=south)
    hidden = await make_customer(south_rep, name="Secret South")
    mine = await make_customer(north_rep, name="North Co")
    person = (await ok(admin, "mutation($input: CreateContactInput!) { createContact(input: $input) { id version } }",
                       input={"name": "Moved Person", "email": "moved@south.example", "customerId": hidden["id"]}))["createContact"]
    await ok(admin, "mutation($input: UpdateContactInput!) { updateContact(input: $input) { id } }",
             input={"id": person["id"], "version": person["version"], "customerId": mine["id"]})
    moved = nodes(await ok(head, CHANGES, filter={"entity": "contact", "action": "contact.update"}))[0]
    customer = next(c for c in moved["fieldChanges"] if c["field"] == "customer")
    assert customer["newRecord"] == {"kind": "customer", "id": mine["id"], "name": "North Co"}
    assert customer["oldRecord"] == {"kind": "customer", "id": hidden["id"], "name": None}  # not named to the head


async def test_a_day_in_another_zone_holds_only_its_own_entries(db):
    """A Tokyo day ends at 15:00 UTC: an entry made later that UTC day is not in it (on SQLite a bound in
    another offset once compared as text and took it in)."""
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    entry = (await ok(admin, LOG, filter={"entityId": str(customer["id"])}, first=1))["auditLog"]["edges"][0]["node"]
    made = datetime.fromisoformat(entry["at"]).astimezone(UTC)
    tokyo = timezone(timedelta(hours=9))
    ends_before = (made - timedelta(minutes=1)).astimezone(tokyo)  # same UTC date, an evening in Tokyo's terms
    shown = await ok(admin, LOG, filter={"entityId": str(customer["id"]), "at": {"end": ends_before.isoformat()}}, first=5)
    assert shown["auditLog"]["edges"] == []
    shown = await ok(admin, LOG, filter={"entityId": str(customer["id"]), "at": {"start": ends_before.isoformat()}}, first=5)
    assert len(shown["auditLog"]["edges"]) == 1
