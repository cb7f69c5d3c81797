"""Contacts through the schema: create, validate, update with versions, status workflow, the one primary
contact per customer, conversion to a customer, visibility by team, lists with filters, search and paging."""

import asyncio

from backend.models import AuditEntry, Contact, ContactStatus, Customer, CustomerStatus, Role
from backend.services import contacts as contact_service
from tests.factories import error, gql, log_activity, make_contact, make_customer, make_deal, make_team, make_user, ok

CREATE = (
    "mutation($input: CreateContactInput!) { createContact(input: $input) "
    "{ id version name email status isPrimary owner { id } customer { id } } }"
)
UPDATE = (
    "mutation($input: UpdateContactInput!) { updateContact(input: $input) "
    "{ id version name status isPrimary allowedStatuses customer { id } } }"
)
PRIMARY = "mutation($input: SetPrimaryContactInput!) { setPrimaryContact(input: $input) { id version isPrimary } }"
CONVERT = """mutation($input: ConvertContactInput!) { convertContact(input: $input) {
  customerCreated contact { id version status isPrimary } customer { id name email status accountManager { id } } } }"""
LIST = """query($f: ContactFilter, $s: String, $o: ContactOrder, $first: Int, $after: String) {
  contacts(filter: $f, search: $s, orderBy: $o, first: $first, after: $after) {
    totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }"""


def names(data):
    return [e["node"]["name"] for e in data["contacts"]["edges"]]


async def counts():
    return await Contact.all().count(), await Customer.all().count(), await AuditEntry.all().count()


async def primaries(customer_id):
    return await Contact.filter(customer_id=int(customer_id), is_primary=True).values_list("id", flat=True)


async def test_create_contact_writes_row_audit_and_feeds_customer_search(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin, name="Acme Rail")
    made = (await ok(admin, CREATE, input={
        "name": " Zelda Quist ", "email": "Zelda@Acme.example", "phone": "+49 30 1234", "jobTitle": "CTO",
        "customerId": customer["id"],
    }))["createContact"]
    row = await Contact.get(id=int(made["id"]))
    assert (row.name, row.email, row.job_title, row.status) == ("Zelda Quist", "zelda@acme.example", "CTO", ContactStatus.NEW)
    assert made["customer"] == {"id": customer["id"]} and made["version"] == 1
    entry = await AuditEntry.get(entity="contact", entity_id=made["id"])
    assert entry.action == "contact.create" and entry.actor_id == admin.id and entry.changes["name"] == [None, "Zelda Quist"]
    found = await ok(admin, "{ customers(search: \"quist\") { edges { node { id contacts { name } } } } }")
    assert [e["node"]["id"] for e in found["customers"]["edges"]] == [customer["id"]]
    assert found["customers"]["edges"][0]["node"]["contacts"] == [{"name": "Zelda Quist"}]


async def test_renaming_or_moving_a_contact_keeps_customer_search_in_step(db):
    admin = await make_user(Role.ADMIN)
    first, second = await make_customer(admin), await make_customer(admin)
    c = await make_contact(admin, name="Olga Brandt", customerId=first["id"])
    await ok(admin, UPDATE, input={"id": c["id"], "version": 1, "name": "Olga Vries"})
    search = "query($s: String) { customers(search: $s) { edges { node { id } } } }"
    assert (await ok(admin, search, s="brandt"))["customers"]["edges"] == []
    assert (await ok(admin, search, s="vries"))["customers"]["edges"] == [{"node": {"id": first["id"]}}]
    await ok(admin, UPDATE, input={"id": c["id"], "version": 2, "customerId": second["id"]})
    assert (await ok(admin, search, s="vries"))["customers"]["edges"] == [{"node": {"id": second["id"]}}]


async def test_owner_defaults_to_the_salesperson_but_not_to_support(db):
    team = await make_team()
    rep = await make_user(Role.SALES_REP, team)
    support = await make_user(Role.SUPPORT)
    by_rep = (await ok(rep, CREATE, input={"name": "A", "email": "a@x.example"}))["createContact"]
    by_support = (await ok(support, CREATE, input={"name": "B", "email": "b@x.example"}))["createContact"]
    assert by_rep["owner"] == {"id": str(rep.id)} and by_support["owner"] is None
    other_team_user = await make_user(Role.SALES_REP, await make_team())
    err = await error(rep, CREATE, input={"name": "C", "email": "c@x.example", "ownerId": str(other_team_user.id)})
    assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "ownerId")


async def test_invalid_input_names_the_field_and_writes_nothing(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    before = await counts()
    cases = [
        ({"name": "X", "email": ""}, "BAD_USER_INPUT", "email"),
        ({"name": "X", "email": "not-an-email"}, "BAD_USER_INPUT", "email"),
        ({"name": "  ", "email": "x@y.example"}, "BAD_USER_INPUT", "name"),
        ({"name": "X", "email": "x@y.example", "phone": "call me"}, "BAD_USER_INPUT", "phone"),
        ({"name": "X", "email": "x@y.example", "jobTitle": "t" * 101}, "BAD_USER_INPUT", "jobTitle"),
        ({"name": "X", "email": "x@y.example", "status": "CONVERTED"}, "BAD_USER_INPUT", "status"),
        ({"name": "X", "email": "x@y.example", "isPrimary": True}, "BAD_USER_INPUT", "isPrimary"),
        ({"name": "X", "email": "x@y.example", "customerId": "999999"}, "NOT_FOUND", "customerId"),
        ({"name": "X", "email": "x@y.example", "ownerId": "999999"}, "BAD_USER_INPUT", "ownerId"),
    ]
    for values, code, field in cases:
        err = await error(admin, CREATE, input=values)
        assert (err["code"], err.get("field")) == (code, field), values
    assert await counts() == before
    assert customer


async def test_update_with_version_and_stale_version_conflict(db):
    admin = await make_user(Role.ADMIN)
    c = await make_contact(admin, name="Before")
    updated = (await ok(admin, UPDATE, input={"id": c["id"], "version": 1, "name": "After", "status": "HOT"}))["updateContact"]
    assert (updated["version"], updated["name"], updated["status"]) == (2, "After", "HOT")
    entry = await AuditEntry.get(action="contact.update", entity_id=c["id"])
    assert entry.changes == {"name": ["Before", "After"], "status": ["new", "hot"]}
    audits = await AuditEntry.all().count()
    err = await error(admin, UPDATE, input={"id": c["id"], "version": 1, "name": "Lost update"})
    assert err["code"] == "CONFLICT" and err["currentVersion"] == 2
    assert (await Contact.get(id=int(c["id"]))).name == "After" and await AuditEntry.all().count() == audits
    bad = await error(admin, UPDATE, input={"id": c["id"], "version": 2, "email": "nope"})
    assert (bad["code"], bad["field"]) == ("BAD_USER_INPUT", "email")
    missing = await error(admin, UPDATE, input={"id": "999999", "version": 1, "name": "x"})
    assert missing["code"] == "NOT_FOUND"


async def test_status_transitions_follow_the_table_and_converted_is_final(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    c = await make_contact(admin, customerId=customer["id"])
    version = 1
    for status in ("HOT", "COLD", "HOT", "NOT_INTERESTED", "COLD"):
        version = (await ok(admin, UPDATE, input={"id": c["id"], "version": version, "status": status}))["updateContact"]["version"]
    via_update = await error(admin, UPDATE, input={"id": c["id"], "version": version, "status": "CONVERTED"})
    assert (via_update["code"], via_update["field"]) == ("BAD_USER_INPUT", "status")
    assert "convertContact" in via_update["message"]
    await ok(admin, UPDATE, input={"id": c["id"], "version": version, "status": "NOT_INTERESTED"})
    not_interested = await error(admin, CONVERT, input={"id": c["id"], "version": version + 1})
    assert (not_interested["code"], not_interested["field"]) == ("BAD_USER_INPUT", "status")
    await ok(admin, UPDATE, input={"id": c["id"], "version": version + 1, "status": "HOT"})
    converted = (await ok(admin, CONVERT, input={"id": c["id"], "version": version + 2}))["convertContact"]
    assert converted["contact"]["status"] == "CONVERTED" and converted["customerCreated"] is False
    v = converted["contact"]["version"]
    for status in ("HOT", "COLD", "NEW", "NOT_INTERESTED"):
        err = await error(admin, UPDATE, input={"id": c["id"], "version": v, "status": status})
        assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "status")
    again = await error(admin, CONVERT, input={"id": c["id"], "version": v})
    assert (again["code"], again["field"]) == ("BAD_USER_INPUT", "status")
    detach = await error(admin, UPDATE, input={"id": c["id"], "version": v, "customerId": None})
    assert (detach["code"], detach["field"]) == ("BAD_USER_INPUT", "customerId")
    shown = await ok(admin, "query($id: ID!) { contact(id: $id) { allowedStatuses } }", id=c["id"])
    assert shown["contact"]["allowedStatuses"] == []


async def test_one_primary_contact_per_customer_and_switching(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    a = await make_contact(admin, name="Anna", customerId=customer["id"], isPrimary=True)
    b = await make_contact(admin, name="Ben", customerId=customer["id"], isPrimary=True)
    assert list(await primaries(customer["id"])) == [int(b["id"])]
    a_row = await Contact.get(id=int(a["id"]))
    assert a_row.version == 2  # unmarking is a change: a stale edit of Anna must not slip through
    assert await AuditEntry.filter(entity_id=a["id"], action="contact.update").count() == 1
    switched = (await ok(admin, PRIMARY, input={"id": a["id"], "version": 2}))["setPrimaryContact"]
    assert switched["isPrimary"] is True and list(await primaries(customer["id"])) == [int(a["id"])]
    shown = await ok(
        admin, "query($id: ID!) { customer(id: $id) { primaryContact { name } contacts { name isPrimary } } }", id=customer["id"]
    )
    assert shown["customer"]["primaryContact"] == {"name": "Anna"}
    assert shown["customer"]["contacts"] == [{"name": "Anna", "isPrimary": True}, {"name": "Ben", "isPrimary": False}]
    unset = (await ok(admin, UPDATE, input={"id": a["id"], "version": 3, "isPrimary": False}))["updateContact"]
    assert unset["isPrimary"] is False and list(await primaries(customer["id"])) == []
    stale = await error(admin, PRIMARY, input={"id": b["id"], "version": 1})
    assert stale["code"] == "CONFLICT" and list(await primaries(customer["id"])) == []


async def test_moving_the_primary_contact_leaves_the_primary_role_behind(db):
    admin = await make_user(Role.ADMIN)
    first, second = await make_customer(admin), await make_customer(admin)
    await make_contact(admin, customerId=second["id"], isPrimary=True)
    c = await make_contact(admin, customerId=first["id"], isPrimary=True)
    moved = (await ok(admin, UPDATE, input={"id": c["id"], "version": 1, "customerId": second["id"]}))["updateContact"]
    assert moved["isPrimary"] is False and list(await primaries(first["id"])) == []
    assert len(await primaries(second["id"])) == 1


async def test_a_lost_primary_race_is_a_clean_error_and_writes_nothing(db, monkeypatch):
    """As if another transaction committed a new primary between our clearing and our setting."""
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    await make_contact(admin, customerId=customer["id"], isPrimary=True)
    b = await make_contact(admin, customerId=customer["id"])

    async def too_late(*args, **kwargs):
        return None

    monkeypatch.setattr(contact_service, "_clear_primary", too_late)
    before = await counts()
    err = await error(admin, PRIMARY, input={"id": b["id"], "version": 1})
    assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "isPrimary")
    assert await counts() == before and (await Contact.get(id=int(b["id"]))).version == 1
    created = await error(admin, CREATE, input={"name": "C", "email": "c@x.example", "customerId": customer["id"], "isPrimary": True})
    assert (created["code"], created["field"]) == ("BAD_USER_INPUT", "isPrimary") and await counts() == before


async def test_concurrent_primary_switches_end_with_one_primary_and_no_internal_error(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    contacts = [await make_contact(admin, customerId=customer["id"]) for _ in range(4)]
    results = await asyncio.gather(
        *(gql(admin, PRIMARY, input={"id": c["id"], "version": 1}) for c in contacts)
    )
    codes = [r.errors[0].extensions["code"] if r.errors else "OK" for r in results]
    assert set(codes) <= {"OK", "BAD_USER_INPUT", "CONFLICT"} and "OK" in codes
    assert len(await primaries(customer["id"])) == 1


async def test_convert_to_a_new_customer_in_one_write(db):
    team = await make_team()
    rep = await make_user(Role.SALES_REP, team)
    c = await make_contact(rep, name="Nina Kraft", email="nina@kraft.example")
    done = (await ok(rep, CONVERT, input={"id": c["id"], "version": 1, "companyName": "Kraft Foods", "industry": "Food"}))["convertContact"]
    assert done["customerCreated"] is True
    customer = done["customer"]
    assert (customer["name"], customer["email"], customer["status"]) == ("Kraft Foods", "nina@kraft.example", "PROSPECT")
    assert customer["accountManager"] == {"id": str(rep.id)}
    assert done["contact"] == {"id": c["id"], "version": 2, "status": "CONVERTED", "isPrimary": True}
    row = await Contact.get(id=int(c["id"]))
    assert row.customer_id == int(customer["id"]) and row.status is ContactStatus.CONVERTED
    assert await AuditEntry.filter(action="customer.create", entity_id=customer["id"]).exists()
    entry = await AuditEntry.get(action="contact.convert", entity_id=c["id"])
    assert entry.changes["status"] == ["new", "converted"]
    found = await ok(rep, "{ customers(search: \"kraft nina\") { totalCount } }")
    assert found["customers"]["totalCount"] == 1


async def test_convert_to_an_existing_customer_keeps_its_primary_contact(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    primary = await make_contact(admin, customerId=customer["id"], isPrimary=True)
    c = await make_contact(admin)
    done = (await ok(admin, CONVERT, input={"id": c["id"], "version": 1, "customerId": customer["id"]}))["convertContact"]
    assert done["customerCreated"] is False and done["customer"]["id"] == customer["id"]
    assert done["contact"]["isPrimary"] is False and list(await primaries(customer["id"])) == [int(primary["id"])]
    lonely = await make_customer(admin)
    d = await make_contact(admin, customerId=lonely["id"])
    kept = (await ok(admin, CONVERT, input={"id": d["id"], "version": 1}))["convertContact"]
    assert kept["customer"]["id"] == lonely["id"] and kept["contact"]["isPrimary"] is True


async def test_convert_input_errors_write_nothing(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    c = await make_contact(admin)
    before = await counts()
    cases = [
        ({}, "BAD_USER_INPUT", "customerId"),
        ({"customerId": customer["id"], "companyName": "Both"}, "BAD_USER_INPUT", "companyName"),
        ({"companyName": "  "}, "BAD_USER_INPUT", "companyName"),
        ({"companyName": "Bad Mail", "email": "nope"}, "BAD_USER_INPUT", "email"),
        ({"companyName": "Bad Country", "country": "Germany"}, "BAD_USER_INPUT", "country"),
        ({"customerId": "999999"}, "NOT_FOUND", "customerId"),
    ]
    for values, code, field in cases:
        err = await error(admin, CONVERT, input={"id": c["id"], "version": 1, **values})
        assert (err["code"], err.get("field")) == (code, field), values
    stale = await error(admin, CONVERT, input={"id": c["id"], "version": 7, "companyName": "Stale Co"})
    assert stale["code"] == "CONFLICT"
    assert await counts() == before


async def test_support_converts_but_may_not_create_customers_and_marketing_may_not_convert(db):
    team = await make_team()
    rep = await make_user(Role.SALES_REP, team)
    support = await make_user(Role.SUPPORT)
    marketing = await make_user(Role.MARKETING)
    c = await make_contact(rep)
    refused = await error(support, "mutation { createCustomer(input: {name: \"S\", email: \"s@x.example\"}) { id } }")
    assert refused["code"] == "FORBIDDEN"
    assert (await error(marketing, CONVERT, input={"id": c["id"], "version": 1, "companyName": "M"}))["code"] == "FORBIDDEN"
    assert (await error(marketing, CREATE, input={"name": "M", "email": "m@x.example"}))["code"] == "FORBIDDEN"
    done = (await ok(support, CONVERT, input={"id": c["id"], "version": 1, "companyName": "Support Made"}))["convertContact"]
    assert done["customerCreated"] is True
    # Managed by the contact's owner, so the rep's team still sees the customer and the contact.
    assert done["customer"]["accountManager"] == {"id": str(rep.id)}
    named = await ok(rep, "query($id: ID!) { customer(id: $id) { name } }", id=done["customer"]["id"])
    assert named["customer"]["name"] == "Support Made"
    edited = await ok(support, UPDATE, input={"id": c["id"], "version": 2, "phone": "+1 555 0100"})
    assert edited["updateContact"]["version"] == 3


async def test_reps_see_only_their_teams_contacts(db):
    north, south = await make_team("North"), await make_team("South")
    rep_n = await make_user(Role.SALES_REP, north)
    head_n = await make_user(Role.SALES_HEAD, north)
    rep_s = await make_user(Role.SALES_REP, south)
    customer_n = await make_customer(rep_n)
    at_customer = await make_contact(rep_n, name="North Customer Person", customerId=customer_n["id"])
    loose = await make_contact(rep_n, name="North Loose Person")
    await make_contact(rep_s, name="South Person")
    assert names(await ok(head_n, LIST)) == ["North Customer Person", "North Loose Person"]
    south_view = await ok(rep_s, LIST)
    assert names(south_view) == ["South Person"] and south_view["contacts"]["totalCount"] == 1
    for hidden in (at_customer, loose):
        by_id = await error(rep_s, "query($id: ID!) { contact(id: $id) { name } }", id=hidden["id"])
        assert by_id["code"] == "NOT_FOUND"
        assert (await error(rep_s, UPDATE, input={"id": hidden["id"], "version": 1, "name": "x"}))["code"] == "NOT_FOUND"
        assert (await error(rep_s, CONVERT, input={"id": hidden["id"], "version": 1, "companyName": "x"}))["code"] == "NOT_FOUND"
    mine = await make_contact(rep_s)
    hidden_customer = await error(rep_s, CONVERT, input={"id": mine["id"], "version": 1, "customerId": customer_n["id"]})
    assert (hidden_customer["code"], hidden_customer["field"]) == ("NOT_FOUND", "customerId")
    attach = await error(rep_s, CREATE, input={"name": "x", "email": "x@x.example", "customerId": customer_n["id"]})
    assert (attach["code"], attach["field"]) == ("NOT_FOUND", "customerId")


async def test_filters_search_order_and_paging(db):
    admin = await make_user(Role.ADMIN)
    team = await make_team()
    rep = await make_user(Role.SALES_REP, team)
    acme = await make_customer(admin, name="Acme", accountManagerId=str(rep.id))
    await make_contact(admin, name="Alice Hot", email="alice@acme.example", customerId=acme["id"], status="HOT", isPrimary=True)
    await make_contact(admin, name="Bob Cold", email="bob@other.example", phone="+44 20 7946", status="COLD", ownerId=str(rep.id))
    await make_contact(rep, name="Carla New", email="carla@acme.example", customerId=acme["id"])
    assert names(await ok(admin, LIST, f={"status": ["HOT", "COLD"]})) == ["Alice Hot", "Bob Cold"]
    assert names(await ok(admin, LIST, f={"customerId": [acme["id"]]})) == ["Alice Hot", "Carla New"]
    assert names(await ok(admin, LIST, f={"ownerId": [str(rep.id)]})) == ["Bob Cold", "Carla New"]
    assert names(await ok(admin, LIST, f={"hasCustomer": False})) == ["Bob Cold"]
    assert names(await ok(admin, LIST, f={"hasCustomer": True, "isPrimary": False})) == ["Carla New"]
    assert names(await ok(admin, LIST, f={"isPrimary": True})) == ["Alice Hot"]
    assert names(await ok(admin, LIST, f={"created": {"start": "2000-01-01T00:00:00Z"}})) == ["Alice Hot", "Bob Cold", "Carla New"]
    assert names(await ok(admin, LIST, f={"created": {"end": "2000-01-01T00:00:00Z"}})) == []
    assert names(await ok(admin, LIST, s="ACME.example")) == ["Alice Hot", "Carla New"]
    assert names(await ok(admin, LIST, s="7946")) == ["Bob Cold"]
    assert names(await ok(admin, LIST, s="carla acme")) == ["Carla New"]
    assert names(await ok(admin, LIST, o={"field": "NAME", "direction": "DESC"})) == ["Carla New", "Bob Cold", "Alice Hot"]
    assert names(await ok(admin, LIST, o={"field": "EMAIL"})) == ["Alice Hot", "Bob Cold", "Carla New"]
    for i in range(22):
        await make_contact(admin, name=f"Page {i:02d}")
    seen, after = [], None
    while True:
        page = (await ok(admin, LIST, f={"hasCustomer": False}, first=10, after=after))["contacts"]
        seen += [e["node"]["name"] for e in page["edges"]]
        assert page["totalCount"] == 23
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["Bob Cold"] + [f"Page {i:02d}" for i in range(22)]
    bad = await error(admin, LIST, f={"customerId": ["abc"]})
    assert (bad["code"], bad["field"]) == ("NOT_FOUND", "filter.customerId")


async def test_contact_activities_are_nested_newest_first(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    c = await make_contact(admin, customerId=customer["id"])
    await log_activity(admin, kind="CALL", title="First call", contactId=c["id"], occurredAt="2026-01-01T10:00:00Z")
    await log_activity(admin, kind="EMAIL", title="Then mail", contactId=c["id"], occurredAt="2026-01-02T10:00:00Z")
    await log_activity(admin, kind="NOTE", title="Not about her", customerId=customer["id"])
    query = "query($id: ID!, $kind: ActivityKind) { contact(id: $id) { activities(first: 5, kind: $kind) { title } } }"
    shown = await ok(admin, query, id=c["id"])
    assert [a["title"] for a in shown["contact"]["activities"]] == ["Then mail", "First call"]
    calls = await ok(admin, query, id=c["id"], kind="CALL")
    assert [a["title"] for a in calls["contact"]["activities"]] == ["First call"]
    assert (await Customer.get(id=int(customer["id"]))).status is CustomerStatus.DRAFT


async def test_paging_by_status_walks_every_contact_once(db):
    admin = await make_user(Role.ADMIN)
    for status in ("HOT", "COLD", "NEW", "HOT", "NOT_INTERESTED", "COLD"):
        await make_contact(admin, status=status)
    seen, after = [], None
    while True:
        page = (await ok(admin, LIST, o={"field": "STATUS", "direction": "DESC"}, first=2, after=after))["contacts"]
        seen += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    statuses = [(await Contact.get(name=name)).status.value for name in seen]
    assert len(set(seen)) == 6 and statuses == sorted(statuses, reverse=True)


async def _two_teams_sharing_a_customer():
    """North's rep manages a customer that South sees only through a deal South's rep owns (issue 13)."""
    north, south = await make_team("North"), await make_team("South")
    admin = await make_user(Role.ADMIN)
    rep_n, head_n = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_HEAD, north)
    rep_s, head_s = await make_user(Role.SALES_REP, south), await make_user(Role.SALES_HEAD, south)
    theirs = await make_customer(rep_n, name="North Managed")
    ours = await make_customer(rep_s, name="South Managed")
    await make_deal(admin, theirs["id"], ownerId=str(rep_s.id))
    primary = await make_contact(rep_n, customerId=theirs["id"], isPrimary=True)
    other = await make_contact(rep_n, customerId=theirs["id"])
    return admin, rep_n, head_n, rep_s, head_s, theirs, ours, primary, other


async def test_a_customer_seen_through_a_deal_keeps_its_contacts(db):
    admin, rep_n, head_n, rep_s, head_s, theirs, ours, primary, other = await _two_teams_sharing_a_customer()
    assert (await ok(rep_s, "query($id: ID!) { contact(id: $id) { name } }", id=other["id"]))["contact"]
    loose = await make_contact(rep_s)
    at_ours = await make_contact(rep_s, customerId=ours["id"])
    before = (await counts(), await Contact.all().order_by("id").values("id", "customer_id", "is_primary", "version"))
    attacks = [
        (PRIMARY, {"id": other["id"], "version": 1}),
        (UPDATE, {"id": other["id"], "version": 1, "customerId": ours["id"]}),  # pull it out
        (UPDATE, {"id": other["id"], "version": 1, "name": "Renamed"}),
        (UPDATE, {"id": at_ours["id"], "version": 1, "customerId": theirs["id"]}),  # push into theirs
        (UPDATE, {"id": loose["id"], "version": 1, "customerId": theirs["id"], "isPrimary": True}),
        (CREATE, {"name": "Planted", "email": "planted@x.example", "customerId": theirs["id"], "isPrimary": True}),
        (CONVERT, {"id": other["id"], "version": 1, "customerId": ours["id"]}),
        (CONVERT, {"id": other["id"], "version": 1, "companyName": "Pulled Out Ltd"}),
        (CONVERT, {"id": loose["id"], "version": 1, "customerId": theirs["id"]}),
    ]
    for who in (rep_s, head_s):
        for document, values in attacks:
            err = await error(who, document, input=values)
            assert err["code"] == "FORBIDDEN", (who.role, values, err)
    assert (await counts(), await Contact.all().order_by("id").values("id", "customer_id", "is_primary", "version")) == before
    # The team that manages the customer still does all of it; so do admins and support.
    done = await ok(head_n, PRIMARY, input={"id": other["id"], "version": 1})
    assert done["setPrimaryContact"]["isPrimary"] is True and list(await primaries(theirs["id"])) == [int(other["id"])]
    await ok(rep_n, UPDATE, input={"id": primary["id"], "version": 2, "name": "Still North"})
    await ok(rep_n, CREATE, input={"name": "New North", "email": "nn@x.example", "customerId": theirs["id"]})
    support = await make_user(Role.SUPPORT)
    await ok(support, UPDATE, input={"id": primary["id"], "version": 3, "phone": "+1 555 0100"})
    moved = await ok(admin, UPDATE, input={"id": at_ours["id"], "version": 1, "customerId": theirs["id"]})
    assert moved["updateContact"]["customer"] == {"id": theirs["id"]}
    # South's rep still changes what South manages.
    await ok(rep_s, UPDATE, input={"id": loose["id"], "version": 1, "customerId": ours["id"], "isPrimary": True})


async def test_a_rep_changes_contacts_of_customers_they_manage_not_their_teammates(db):
    team = await make_team()
    rep, mate, head = (await make_user(Role.SALES_REP, team), await make_user(Role.SALES_REP, team),
                       await make_user(Role.SALES_HEAD, team))
    mine, hers = await make_customer(rep), await make_customer(mate)
    at_hers = await make_contact(mate, customerId=hers["id"])
    her_loose = await make_contact(mate)
    for values in ({"id": at_hers["id"], "version": 1, "name": "x"},
                   {"id": at_hers["id"], "version": 1, "customerId": mine["id"]},
                   {"id": her_loose["id"], "version": 1, "name": "x"}):
        assert (await error(rep, UPDATE, input=values))["code"] == "FORBIDDEN", values
    assert (await error(rep, PRIMARY, input={"id": at_hers["id"], "version": 1}))["code"] == "FORBIDDEN"
    # Their head changes contacts of every customer the team manages, and moves them between them.
    moved = await ok(head, UPDATE, input={"id": at_hers["id"], "version": 1, "customerId": mine["id"]})
    assert moved["updateContact"]["customer"] == {"id": mine["id"]}
    await ok(head, UPDATE, input={"id": her_loose["id"], "version": 1, "name": "Head Edited"})


async def test_a_rep_hands_a_loose_contact_to_a_teammate(db):
    team = await make_team()
    rep, mate = await make_user(Role.SALES_REP, team), await make_user(Role.SALES_REP, team)
    mine = await make_contact(rep)
    handed = await ok(rep, "mutation($input: UpdateContactInput!) { updateContact(input: $input) { owner { id } } }",
                      input={"id": mine["id"], "version": 1, "ownerId": str(mate.id)})
    assert handed["updateContact"]["owner"] == {"id": str(mate.id)}
    assert (await error(rep, UPDATE, input={"id": mine["id"], "version": 2, "name": "Not mine now"}))["code"] == "FORBIDDEN"
