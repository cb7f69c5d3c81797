"""Custom fields (issue 18): admins define them per entity; values are typed, validated like built-in fields
(`customFields.<key>`), written with their record (version, audit, event), filtered and sorted with cursors,
read through one loader per list, and follow the record's row rules."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from backend.live import topics
from backend.live.events import CustomerUpdated
from backend.models import AuditEntry, CustomValue, Role
from backend.services import custom_fields
from tests.factories import actor, error, make_contact, make_customer, make_team, make_user, ok, published
from tests.sqlcount import count_statements
from tests.test_subscriptions import lives, subscribe  # noqa: F401  (lives is a fixture)

CREATE_FIELD = """mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) {
  id key label type required options archived version default { text number options } } }"""
UPDATE_FIELD = """mutation($input: UpdateCustomFieldInput!) { updateCustomField(input: $input) {
  id label options archived required version } }"""
FIELDS = "query($e: CustomFieldEntity!, $all: Boolean!) { customFields(entity: $e, includeArchived: $all) { key } }"
VALUES = "customFields { key type text number money { amount currency } date dateTime boolean options userId }"
CREATE = f"mutation($input: CreateCustomerInput!) {{ createCustomer(input: $input) {{ id version {VALUES} }} }}"
UPDATE = f"mutation($input: UpdateCustomerInput!) {{ updateCustomer(input: $input) {{ id version {VALUES} }} }}"
CUSTOMER = f"query($id: ID!) {{ customer(id: $id) {{ id {VALUES} }} }}"
LIST = """query($filter: CustomerFilter, $order: CustomerOrder, $first: Int, $after: String) {
  customers(filter: $filter, orderBy: $order, first: $first, after: $after) {
    totalCount edges { cursor node { name customFields { key number text } } } pageInfo { endCursor hasNextPage } } }"""


async def define(admin: Any, key: str, type_: str, entity: str = "CUSTOMER", **more: Any) -> dict[str, Any]:
    field = {"entity": entity, "key": key, "label": key.replace("_", " ").title(), "type": type_, **more}
    return (await ok(admin, CREATE_FIELD, input=field))["createCustomField"]


def value(record: dict[str, Any], key: str) -> dict[str, Any]:
    return next(v for v in record["customFields"] if v["key"] == key)


async def test_only_admins_define_fields_everyone_reads_them_and_archived_ones_leave_forms(db):
    admin = await make_user(Role.ADMIN)
    field = await define(admin, "fleet_size", "NUMBER", helpText="Trucks on the road", position=2)
    assert (field["type"], field["version"], field["archived"]) == ("NUMBER", 1, False)
    for role in (Role.SALES_HEAD, Role.SALES_REP, Role.SUPPORT, Role.MARKETING):
        user = await make_user(role)
        refused = await error(user, CREATE_FIELD, input={"entity": "CUSTOMER", "key": "x", "label": "X", "type": "TEXT"})
        assert refused["code"] == "FORBIDDEN"
        assert (await error(user, UPDATE_FIELD, input={"id": field["id"], "version": 1, "label": "Y"}))["code"] == "FORBIDDEN"
        assert (await ok(user, FIELDS, e="CUSTOMER", all=False))["customFields"] == [{"key": "fleet_size"}]
    archived = (await ok(admin, UPDATE_FIELD, input={"id": field["id"], "version": 1, "archived": True}))["updateCustomField"]
    assert (archived["archived"], archived["version"]) == (True, 2)
    assert (await ok(admin, FIELDS, e="CUSTOMER", all=False))["customFields"] == []
    assert (await ok(admin, FIELDS, e="CUSTOMER", all=True))["customFields"] == [{"key": "fleet_size"}]
    rep = await make_user(Role.SALES_REP)
    refused = await error(rep, CREATE, input={"name": "A", "email": "a@example.com",
                                              "customFields": [{"key": "fleet_size", "number": 3}]})
    assert (refused["field"], "archived" in refused["message"]) == ("customFields.fleet_size", True)
    actions = [e.action for e in await AuditEntry.filter(entity="custom_field").order_by("id")]
    assert actions == ["custom_field.create", "custom_field.update"]


@pytest.mark.parametrize(("key", "message"), [
    ("Fleet", "lower_snake"), ("fleet size", "lower_snake"), ("2fleet", "lower_snake"), ("fleet__size", "lower_snake"),
])
async def test_keys_are_lower_snake_and_unique_per_entity(db, key, message):
    admin = await make_user(Role.ADMIN)
    refused = await error(admin, CREATE_FIELD, input={"entity": "CUSTOMER", "key": key, "label": "L", "type": "TEXT"})
    assert (refused["field"], message in refused["message"]) == ("key", True)
    await define(admin, "fleet_size", "NUMBER")
    await define(admin, "fleet_size", "NUMBER", entity="CONTACT")  # another entity may reuse it
    again = await error(admin, CREATE_FIELD, input={"entity": "CUSTOMER", "key": "fleet_size", "label": "L", "type": "TEXT"})
    assert (again["code"], again["field"]) == ("BAD_USER_INPUT", "key")
    no_options = await error(admin, CREATE_FIELD, input={"entity": "CUSTOMER", "key": "tier", "label": "T", "type": "SELECT"})
    assert no_options["field"] == "options"


@pytest.mark.parametrize(("type_", "more", "sent", "wrong"), [
    ("TEXT", {}, {"number": 3}, "send text"),
    ("NUMBER", {}, {"text": "three"}, "send number"),
    ("EMAIL", {}, {"text": "not-an-email"}, "not a valid email"),
    ("URL", {}, {"text": "no url here"}, "not a web address"),
    ("PHONE", {}, {"text": "call me"}, "not a phone number"),
    ("SELECT", {"options": ["Gold", "Silver"]}, {"text": "Bronze"}, "not one of the options"),
    ("MULTI_SELECT", {"options": ["Rail", "Road"]}, {"options": ["Rail", "Sea"]}, "not one of the options"),
    ("MONEY", {}, {"amount": 100, "currency": "XXY"}, "ISO 4217"),
    ("USER", {}, {"userId": "999999"}, "does not exist"),
    ("TEXT", {}, {"text": "a\nb"}, "single line"),
    ("BOOLEAN", {}, {"dateTime": "2026-01-01T00:00:00Z"}, "send boolean"),
])
async def test_each_type_refuses_a_wrong_value_naming_the_field(db, type_, more, sent, wrong):
    admin = await make_user(Role.ADMIN)
    await define(admin, "extra", type_, **more)
    refused = await error(admin, CREATE, input={"name": "A", "email": "a@example.com",
                                                "customFields": [{"key": "extra", **sent}]})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "customFields.extra")
    assert wrong in refused["message"]
    assert await CustomValue.all().count() == 0


async def test_every_type_round_trips_typed(db):
    admin = await make_user(Role.ADMIN)
    kinds = {"t": ("TEXT", {}), "lt": ("LONG_TEXT", {}), "n": ("NUMBER", {}), "m": ("MONEY", {}), "d": ("DATE", {}),
             "dt": ("DATE_TIME", {}), "b": ("BOOLEAN", {}), "s": ("SELECT", {"options": ["A", "B"]}),
             "ms": ("MULTI_SELECT", {"options": ["A", "B", "C"]}), "u": ("URL", {}), "e": ("EMAIL", {}),
             "p": ("PHONE", {}), "who": ("USER", {})}
    for key, (type_, more) in kinds.items():
        await define(admin, key, type_, **more)
    sent = [{"key": "t", "text": "hello"}, {"key": "lt", "text": "line one\nline two"}, {"key": "n", "number": 12.5},
            {"key": "m", "amount": 150000, "currency": "eur"}, {"key": "d", "date": "2027-03-31"},
            {"key": "dt", "dateTime": "2027-03-31T09:30:00+00:00"}, {"key": "b", "boolean": False},
            {"key": "s", "text": "B"}, {"key": "ms", "options": ["C", "A", "C"]}, {"key": "u", "text": "example.com"},
            {"key": "e", "text": "Buyer@Example.com"}, {"key": "p", "text": "+49 30 1234567"},
            {"key": "who", "userId": str(admin.id)}]
    created = (await ok(admin, CREATE, input={"name": "A", "email": "a@example.com", "customFields": sent}))["createCustomer"]
    read = (await ok(admin, CUSTOMER, id=created["id"]))["customer"]
    assert read["customFields"] == created["customFields"]
    got = {v["key"]: v for v in read["customFields"]}
    assert got["t"]["text"] == "hello" and got["lt"]["text"] == "line one\nline two"
    assert got["n"]["number"] == 12.5 and got["m"]["money"] == {"amount": 150000, "currency": "EUR"}
    assert got["d"]["date"] == "2027-03-31" and got["dt"]["dateTime"].startswith("2027-03-31T09:30:00")
    assert got["b"]["boolean"] is False and got["s"]["text"] == "B" and got["ms"]["options"] == ["C", "A"]
    assert got["e"]["text"] == "buyer@example.com" and got["who"]["userId"] == str(admin.id)
    assert [v["key"] for v in read["customFields"]] == list(kinds)  # the definitions' order


async def test_required_fields_take_their_default_and_cannot_be_cleared(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "tier", "SELECT", options=["Gold", "Silver"], required=True, default={"text": "Silver"})
    await define(admin, "contract_end", "DATE", required=True)
    missing = await error(admin, CREATE, input={"name": "A", "email": "a@example.com"})
    assert (missing["field"], missing["message"]) == ("customFields.contract_end", "customFields.contract_end: is required")
    created = (await ok(admin, CREATE, input={"name": "A", "email": "a@example.com",
                                              "customFields": [{"key": "contract_end", "date": "2027-01-01"}]}))
    customer = created["createCustomer"]
    assert value(customer, "tier")["text"] == "Silver"
    cleared = await error(admin, UPDATE, input={"id": customer["id"], "version": 1, "customFields": [{"key": "tier"}]})
    assert cleared["field"] == "customFields.tier"
    bad_default = await error(admin, CREATE_FIELD, input={"entity": "CUSTOMER", "key": "x", "label": "X", "type": "NUMBER",
                                                          "default": {"text": "many"}})
    assert bad_default["field"] == "default"


async def test_values_bump_the_version_are_audited_conflict_when_stale_and_go_out_in_the_event(db, monkeypatch):
    admin = await make_user(Role.ADMIN)
    await define(admin, "fleet_size", "NUMBER")
    sent = published(monkeypatch)
    customer = await make_customer(admin)
    updated = (await ok(admin, UPDATE, input={"id": customer["id"], "version": 1,
                                              "customFields": [{"key": "fleet_size", "number": 40}]}))["updateCustomer"]
    assert (updated["version"], value(updated, "fleet_size")["number"]) == (2, 40)
    stale = await error(admin, UPDATE, input={"id": customer["id"], "version": 1,
                                              "customFields": [{"key": "fleet_size", "number": 41}]})
    assert (stale["code"], stale["currentVersion"]) == ("CONFLICT", 2)
    await ok(admin, UPDATE, input={"id": customer["id"], "version": 2, "customFields": [{"key": "fleet_size"}]})
    entries = await AuditEntry.filter(entity="customer", action="customer.update").order_by("id")
    assert [e.changes for e in entries] == [{"custom.fleet_size": [None, 40]}, {"custom.fleet_size": [40, None]}]
    updates = [e for e in sent if isinstance(e, CustomerUpdated)]
    assert [e.custom_fields for e in updates] == [["fleet_size"], ["fleet_size"]]
    assert await CustomValue.all().count() == 0  # an empty value has no row


async def test_an_option_in_use_cannot_silently_vanish(db):
    admin = await make_user(Role.ADMIN)
    field = await define(admin, "tier", "MULTI_SELECT", options=["Gold", "Silver", "Bronze"])
    customer = await make_customer(admin)
    await ok(admin, UPDATE, input={"id": customer["id"], "version": 1, "customFields": [{"key": "tier", "options": ["Gold"]}]})
    refused = await error(admin, UPDATE_FIELD, input={"id": field["id"], "version": 1, "options": ["Silver"]})
    assert (refused["field"], "'Gold' is held by 1 record" in refused["message"]) == ("options", True)
    kept = (await ok(admin, UPDATE_FIELD, input={"id": field["id"], "version": 1, "options": ["Gold", "Silver"]}))
    assert kept["updateCustomField"]["options"] == ["Gold", "Silver"]


async def numbers(who: Any, **variables: Any) -> tuple[list[str], Any]:
    page = (await ok(who, LIST, **variables))["customers"]
    return [e["node"]["name"] for e in page["edges"]], page


@pytest.mark.parametrize("broad", [2000, 1], ids=["in-list", "per-row"])
async def test_filters_on_numbers_text_and_emptiness(db, monkeypatch, broad):
    # broad=1: every condition is broad, so the page asks it per row (custom_fields.filtered) and the count
    # as an IN list; both shapes find the same customers.
    monkeypatch.setattr(custom_fields, "BROAD", broad)
    admin = await make_user(Role.ADMIN)
    await define(admin, "fleet_size", "NUMBER")
    await define(admin, "region", "TEXT")
    await define(admin, "lines", "MULTI_SELECT", options=["Rail", "Road", "Sea"])
    for name, fleet, region, lines in [("A", 5, "North", ["Rail"]), ("B", 50, "South", ["Road", "Sea"]),
                                       ("C", None, "Northwest", []), ("D", 500, None, ["Sea"])]:
        values = [{"key": "region", "text": region}, {"key": "lines", "options": lines}]
        values += [{"key": "fleet_size", "number": fleet}] if fleet is not None else []
        await make_customer(admin, name=name, customFields=values)

    async def names(*conditions: dict[str, Any]) -> list[str]:
        return (await numbers(admin, filter={"custom": list(conditions)}))[0]

    assert await names({"key": "fleet_size", "op": "GTE", "number": 50}) == ["B", "D"]
    assert await names({"key": "fleet_size", "op": "LT", "number": 50}) == ["A"]
    assert await names({"key": "fleet_size", "op": "EQ", "number": 50}) == ["B"]
    assert await names({"key": "fleet_size", "op": "NE", "number": 50}) == ["A", "C", "D"]
    assert await names({"key": "fleet_size", "op": "IS_EMPTY"}) == ["C"]
    assert await names({"key": "fleet_size", "op": "IS_EMPTY", "boolean": False}) == ["A", "B", "D"]
    assert await names({"key": "region", "op": "CONTAINS", "text": "north"}) == ["A", "C"]
    assert await names({"key": "region", "op": "IN", "options": ["North", "South"]}) == ["A", "B"]
    assert await names({"key": "lines", "op": "CONTAINS", "options": ["Sea"]}) == ["B", "D"]
    assert await names({"key": "lines", "op": "IN", "options": ["Rail", "Road"]}) == ["A", "B"]
    assert await names({"key": "fleet_size", "op": "GT", "number": 1}, {"key": "region", "op": "CONTAINS", "text": "th"}) == ["A", "B"]
    paged = [await numbers(admin, filter={"custom": [{"key": "fleet_size", "op": "NE", "number": 50}]}, first=1)]
    while paged[-1][1]["pageInfo"]["hasNextPage"]:
        paged.append(await numbers(admin, filter={"custom": [{"key": "fleet_size", "op": "NE", "number": 50}]}, first=1,
                                   after=paged[-1][1]["pageInfo"]["endCursor"]))
    assert [n for names_, _ in paged for n in names_] == ["A", "C", "D"]
    assert {page["totalCount"] for _, page in paged} == {3}
    unknown = await error(admin, LIST, filter={"custom": [{"key": "nope", "op": "EQ", "text": "x"}]})
    assert (unknown["code"], unknown["field"]) == ("BAD_USER_INPUT", "filter.custom.key")
    mistyped = await error(admin, LIST, filter={"custom": [{"key": "fleet_size", "op": "GT", "text": "x"}]})
    assert mistyped["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_sorting_by_a_custom_field_pages_through_ties_and_empty_values(db, direction):
    admin = await make_user(Role.ADMIN)
    await define(admin, "fleet_size", "NUMBER")
    fleets = {"A": 5, "B": 5, "C": None, "D": 1, "E": None, "F": 5, "G": 9}
    for name, fleet in fleets.items():
        await make_customer(admin, name=name, customFields=[{"key": "fleet_size", "number": fleet}] if fleet else [])
    seen: list[str] = []
    after = None
    while True:
        names, page = await numbers(admin, order={"customField": "fleet_size", "direction": direction}, first=2, after=after)
        seen += names
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    filled = sorted((n for n in fleets if fleets[n]), key=lambda n: (fleets[n], n), reverse=direction == "DESC")
    assert seen[:5] == filled  # ties ordered by id (creation order here)
    assert sorted(seen[5:]) == ["C", "E"] and len(seen) == len(fleets)  # empty values last, each once
    for raw in (b"not a cursor", b'["custom.fleet_size",NaN,1]', b'["custom.other",5,1]', b'["custom.fleet_size","5",1]',
                b'["custom.fleet_size",5,99999999999]'):
        forged = base64.urlsafe_b64encode(raw).decode()
        refused = await error(admin, LIST, order={"customField": "fleet_size"}, after=forged)
        assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "after"), raw


async def test_sorting_by_a_date_time_field_keeps_its_cursor_across_pages(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "renewal", "DATE_TIME")
    times = {"A": "2027-05-01T10:00:00+00:00", "B": "2026-01-01T00:00:00+00:00", "C": None,
             "D": "2027-05-01T10:00:00+00:00", "E": "2026-06-30T23:59:00+02:00"}
    for name, at in times.items():
        await make_customer(admin, name=name, customFields=[{"key": "renewal", "dateTime": at}] if at else [])
    seen, after = [], None
    for _ in times:
        names, page = await numbers(admin, order={"customField": "renewal", "direction": "DESC"}, first=1, after=after)
        seen += names
        after = page["pageInfo"]["endCursor"]
    assert seen == ["D", "A", "E", "B", "C"]


async def test_values_follow_the_records_row_rules(db):
    north, south = await make_team("North"), await make_team("South")
    admin = await make_user(Role.ADMIN)
    rep, rep2 = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    await define(admin, "fleet_size", "NUMBER")
    theirs = await make_customer(admin, accountManagerId=str(rep2.id), customFields=[{"key": "fleet_size", "number": 7}])
    await make_customer(admin, accountManagerId=str(rep.id), name="Mine", customFields=[{"key": "fleet_size", "number": 7}])
    hidden = await error(rep, UPDATE, input={"id": theirs["id"], "version": 1, "customFields": [{"key": "fleet_size", "number": 1}]})
    assert hidden["code"] == "NOT_FOUND"
    assert (await error(rep, CUSTOMER, id=theirs["id"]))["code"] == "NOT_FOUND"
    names, page = await numbers(rep, filter={"custom": [{"key": "fleet_size", "op": "EQ", "number": 7}]})
    assert (names, page["totalCount"]) == (["Mine"], 1)
    assert (await CustomValue.get(record_id=int(theirs["id"]))).number_value == 7


async def test_a_list_reads_custom_values_in_a_fixed_number_of_statements(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "fleet_size", "NUMBER")
    await define(admin, "region", "TEXT")

    async def statements(count: int) -> int:
        for _ in range(count):
            await make_customer(admin, customFields=[{"key": "fleet_size", "number": 3}, {"key": "region", "text": "N"}])
        with count_statements() as seen:
            await ok(admin, LIST, first=100)
        return len(seen)

    assert await statements(2) == await statements(20)


async def test_contacts_carry_their_own_fields(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "shoe_size", "NUMBER", entity="CONTACT")
    contact = await make_contact(admin)
    query = "mutation($input: UpdateContactInput!) { updateContact(input: $input) { version customFields { key number } } }"
    updated = (await ok(admin, query, input={"id": contact["id"], "version": contact["version"],
                                             "customFields": [{"key": "shoe_size", "number": 44}]}))["updateContact"]
    assert updated["customFields"] == [{"key": "shoe_size", "number": 44}]
    listed = "query($f: ContactFilter) { contacts(filter: $f) { totalCount } }"
    assert (await ok(admin, listed, f={"custom": [{"key": "shoe_size", "op": "GT", "number": 40}]}))["contacts"]["totalCount"] == 1
    customer_only = await error(admin, "mutation($input: UpdateContactInput!) { updateContact(input: $input) { id } }",
                                input={"id": contact["id"], "version": updated["version"],
                                       "customFields": [{"key": "fleet_size", "number": 1}]})
    assert customer_only["field"] == "customFields.key"


async def test_a_dynamic_segment_keeps_custom_conditions(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "contract_end", "DATE")
    for name, end in [("Soon", "2027-01-31"), ("Later", "2029-06-30"), ("Never", None)]:
        await make_customer(admin, name=name, customFields=[{"key": "contract_end", "date": end}] if end else [])
    created = await ok(admin, "mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id } }", input={
        "name": "Renewals", "kind": "DYNAMIC",
        "filter": {"custom": [{"key": "contract_end", "op": "LTE", "date": "2027-12-31"}]}})
    segment = created["createSegment"]["id"]
    assert (await numbers(admin, filter={"segmentId": segment}))[0] == ["Soon"]
    refused = await error(admin, "mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id } }", input={
        "name": "Bad", "kind": "DYNAMIC", "filter": {"custom": [{"key": "contract_end", "op": "LTE", "number": 3}]}})
    assert refused["field"] == "filter.custom.contract_end"


async def test_connected_screens_hear_of_definition_changes_of_their_entity(db, lives):  # noqa: F811
    admin, rep = await make_user(Role.ADMIN), await make_user(Role.SALES_REP)
    document = "subscription($e: CustomFieldEntity!) { customFieldChanged(entity: $e) { key label archived } }"
    watcher = await subscribe(actor(rep), document, topics.custom_fields(), e="CUSTOMER")
    lives.append(watcher)
    await define(admin, "shoe_size", "NUMBER", entity="CONTACT")  # another entity's: not heard
    field = await define(admin, "fleet_size", "NUMBER")
    assert await watcher.data("customFieldChanged") == {"key": "fleet_size", "label": "Fleet Size", "archived": False}
    await ok(admin, UPDATE_FIELD, input={"id": field["id"], "version": 1, "label": "Trucks"})
    assert (await watcher.data("customFieldChanged"))["label"] == "Trucks"


async def test_leads_carry_their_own_fields_filtered_and_sorted(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "budget", "MONEY", entity="LEAD")
    create = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id customFields { key money { amount } } } }"
    for title, amount in [("Small", 500), ("Big", 90000), ("Unknown", None)]:
        values = [{"key": "budget", "amount": amount, "currency": "EUR"}] if amount else []
        await ok(admin, create, input={"title": title, "customFields": values})
    listed = """query($f: LeadFilter, $o: LeadOrder) { leads(filter: $f, orderBy: $o) { edges { node { title } } } }"""
    by_budget = await ok(admin, listed, o={"customField": "budget", "direction": "DESC"})
    assert [e["node"]["title"] for e in by_budget["leads"]["edges"]] == ["Big", "Small", "Unknown"]
    rich = await ok(admin, listed, f={"custom": [{"key": "budget", "op": "GTE", "amount": 1000, "currency": "EUR"}]})
    assert [e["node"]["title"] for e in rich["leads"]["edges"]] == ["Big"]
    in_dollars = await ok(admin, listed, f={"custom": [{"key": "budget", "op": "GTE", "amount": 1, "currency": "USD"}]})
    assert in_dollars["leads"]["edges"] == []  # amounts compare within their own currency


async def test_a_conversions_new_customer_gets_the_defaults_and_is_not_blocked_by_a_required_field(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "tier", "SELECT", options=["Gold", "Silver"], default={"text": "Silver"})
    await define(admin, "contract_end", "DATE", required=True)
    contact = await make_contact(admin)
    converted = await ok(admin, """mutation($input: ConvertContactInput!) {
      convertContact(input: $input) { customer { id customFields { key text date } } } }""",
                         input={"id": contact["id"], "version": 1, "companyName": "Converted Ltd"})
    values = {v["key"]: v for v in converted["convertContact"]["customer"]["customFields"]}
    assert (values["tier"]["text"], values["contract_end"]["date"]) == ("Silver", None)
    entry = await AuditEntry.get(entity="customer", action="customer.create")
    assert entry.changes["custom.tier"] == [None, "Silver"]


async def test_deleting_a_record_removes_its_values(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "fleet_size", "NUMBER")
    customer = await make_customer(admin, customFields=[{"key": "fleet_size", "number": 12}])
    kept = await make_customer(admin, customFields=[{"key": "fleet_size", "number": 13}])
    await ok(admin, "mutation($input: DeleteCustomerInput!) { deleteCustomer(input: $input) { id } }",
             input={"id": customer["id"], "version": 1})
    assert [v.record_id for v in await CustomValue.all()] == [int(kept["id"])]
