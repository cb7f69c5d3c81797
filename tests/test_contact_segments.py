"""Segments of contacts: exact membership (static and dynamic, the contacts list's filter), row rules as the
`contacts` query applies them, the list filter and its export, and segmentChanged streaming contacts entering
and leaving as contact (and customer) data changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from backend.models import Role, Segment, SegmentEntity
from tests.factories import (
    actor,
    error,
    make_campaign,
    make_contact,
    make_customer,
    make_team,
    make_user,
    ok,
    open_campaign,
)
from tests.test_export import bearer, csv_rows, download
from tests.test_segments import ADD, CREATE, REMOVE, watch

LIST = """query($f: ContactFilter, $first: Int, $after: String) {
  contacts(filter: $f, first: $first, after: $after) {
    totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }"""
CUSTOMERS = "query($f: CustomerFilter) { customers(filter: $f, first: 100) { totalCount } }"
UPDATE_CONTACT = "mutation($input: UpdateContactInput!) { updateContact(input: $input) { id version } }"
UPDATE_CUSTOMER = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id version } }"
SEGMENT = "query($id: ID!) { segment(id: $id) { entity kind filterJson conditions } }"
WATCH = """subscription($id: ID!) {
  segmentChanged(segmentId: $id) { kind segmentId customerId contactId contact { id name status } } }"""


async def ids(who: Any, where: dict[str, Any]) -> set[str]:
    data = await ok(who, LIST, f=where, first=100)
    return {edge["node"]["id"] for edge in data["contacts"]["edges"]}


async def contact_segment(who: Any, **fields: Any) -> dict[str, Any]:
    values = {"name": "People", "kind": "DYNAMIC", "entity": "CONTACT", **fields}
    return (await ok(who, CREATE, input=values))["createSegment"]


async def world() -> dict[str, Any]:
    """North (rep) and South (rep2), a customer each with two contacts, and a contact at no customer."""
    north, south = await make_team("North"), await make_team("South")
    admin = await make_user(Role.ADMIN)
    rep, rep2 = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    at_north = await make_customer(admin, accountManagerId=str(rep.id))
    at_south = await make_customer(admin, accountManagerId=str(rep2.id))
    return dict(
        admin=admin, rep=rep, rep2=rep2, at_north=at_north, at_south=at_south,
        nora=await make_contact(admin, name="Nora", customerId=at_north["id"], status="HOT"),
        ned=await make_contact(admin, name="Ned", customerId=at_north["id"]),
        sam=await make_contact(admin, name="Sam", customerId=at_south["id"], status="HOT"),
        sue=await make_contact(admin, name="Sue", customerId=at_south["id"], status="COLD"),
        solo=await make_contact(admin, name="Solo", status="HOT", ownerId=str(rep.id)),
    )


async def test_a_dynamic_contact_segment_has_exactly_the_contacts_the_list_filter_shows(db):
    w = await world()
    admin = w["admin"]
    nora, ned, sam, sue, solo = (w[k]["id"] for k in ("nora", "ned", "sam", "sue", "solo"))
    filters: list[tuple[dict[str, Any], set[str]]] = [
        ({"status": ["HOT"]}, {nora, sam, solo}),
        ({"status": ["HOT"], "hasCustomer": True}, {nora, sam}),
        ({"customerId": [w["at_south"]["id"]]}, {sam, sue}),
        ({"ownerId": [str(w["rep"].id)]}, {solo}),
        ({}, {nora, ned, sam, sue, solo}),
    ]
    for where, expected in filters:
        saved = await contact_segment(admin, contactFilter=where)
        assert await ids(admin, where) == expected, where
        assert await ids(admin, {"segmentId": saved["id"]}) == expected, where
        assert await ids(admin, {"segmentId": saved["id"], "status": ["COLD"]}) == expected & {sue}

    hot = await contact_segment(admin, contactFilter={"status": ["HOT"]})
    shown = (await ok(admin, SEGMENT, id=hot["id"]))["segment"]
    assert (shown["entity"], shown["kind"], shown["conditions"]) == ("CONTACT", "DYNAMIC", ["Status: hot"])
    assert shown["filterJson"] == '{"status": ["hot"]}'
    # Always current, and paged with cursors like the list it is.
    await ok(admin, UPDATE_CONTACT, input={"id": ned, "version": 1, "status": "HOT"})
    first = (await ok(admin, LIST, f={"segmentId": hot["id"]}, first=2))["contacts"]
    rest = (await ok(admin, LIST, f={"segmentId": hot["id"]}, first=2, after=first["pageInfo"]["endCursor"]))["contacts"]
    assert first["totalCount"] == 4 and first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert {e["node"]["id"] for e in first["edges"] + rest["edges"]} == {nora, ned, sam, solo}


async def test_a_static_contact_segment_holds_contacts_picked_in_bulk_through_the_same_mutations(db):
    w = await world()
    admin = w["admin"]
    nora, ned, sam = w["nora"]["id"], w["ned"]["id"], w["sam"]["id"]
    picked = await contact_segment(admin, kind="STATIC", contactIds=[nora])
    added = await ok(admin, ADD, input={"segmentId": picked["id"], "contactIds": [nora, ned, sam]})
    assert set(added["addSegmentMembers"]["changedIds"]) == {ned, sam}
    removed = await ok(admin, REMOVE, input={"segmentId": picked["id"], "contactIds": [nora]})
    assert removed["removeSegmentMembers"]["changedIds"] == [nora]
    assert await ids(admin, {"segmentId": picked["id"]}) == {ned, sam}
    assert (await Segment.get(id=int(picked["id"]))).entity is SegmentEntity.CONTACT

    # The ids name their entity: customers are no members of a contact segment, nor contacts of a customer one.
    wrong = await error(admin, ADD, input={"segmentId": picked["id"], "customerIds": [w["at_north"]["id"]]})
    assert (wrong["code"], wrong["field"]) == ("BAD_USER_INPUT", "customerIds")
    customers = (await ok(admin, CREATE, input={"name": "Firms", "kind": "STATIC"}))["createSegment"]
    wrong = await error(admin, ADD, input={"segmentId": customers["id"], "contactIds": [nora]})
    assert (wrong["code"], wrong["field"]) == ("BAD_USER_INPUT", "contactIds")
    wrong = await error(admin, CREATE, input={"name": "Mixed", "kind": "DYNAMIC", "entity": "CONTACT",
                                              "filter": {"status": ["ACTIVE"]}})
    assert (wrong["code"], wrong["field"]) == ("BAD_USER_INPUT", "filter")
    wrong = await error(admin, CUSTOMERS, f={"segmentId": picked["id"]})
    assert (wrong["code"], wrong["field"]) == ("BAD_USER_INPUT", "filter.segmentId")
    wrong = await error(admin, LIST, f={"segmentId": customers["id"]})
    assert (wrong["code"], wrong["field"]) == ("BAD_USER_INPUT", "filter.segmentId")
    # A rep may not pick a contact out of sight: NOT_FOUND naming it, nothing added.
    own = await contact_segment(w["rep"], kind="STATIC")
    refused = await error(w["rep"], ADD, input={"segmentId": own["id"], "contactIds": [nora, sam]})
    assert (refused["code"], refused["field"]) == ("NOT_FOUND", "contactIds")
    assert await ids(w["rep"], {"segmentId": own["id"]}) == set()


async def test_a_shared_contact_segment_shows_each_reader_only_the_contacts_the_contacts_query_shows(db):
    w = await world()
    hot = await contact_segment(w["admin"], contactFilter={"status": ["HOT"]}, shared=True)
    assert await ids(w["rep"], {"segmentId": hot["id"]}) == await ids(w["rep"], {"status": ["HOT"]}) == {
        w["nora"]["id"], w["solo"]["id"]}
    assert await ids(w["rep2"], {"segmentId": hot["id"]}) == {w["sam"]["id"]}


async def test_the_contacts_export_holds_the_segment_as_the_user_sees_it(db):
    w = await world()
    hot = await contact_segment(w["admin"], contactFilter={"status": ["HOT"]}, shared=True)
    rows = csv_rows(await download(f"/ui/export/contacts.csv?saved={hot['id']}", await bearer(w["rep"])))
    assert sorted(r[0] for r in rows[1:]) == ["Nora", "Solo"]
    everyone = csv_rows(await download(f"/ui/export/contacts.csv?saved={hot['id']}", await bearer(w["admin"])))
    assert sorted(r[0] for r in everyone[1:]) == ["Nora", "Sam", "Solo"]


async def test_contacts_enter_and_leave_live_as_their_data_changes_each_reader_seeing_only_their_own(db):
    w = await world()
    admin, rep = w["admin"], w["rep"]
    cold = await contact_segment(admin, contactFilter={"status": ["COLD"]}, shared=True)
    everyone, north_rep = await watch(actor(admin), cold["id"], WATCH), await watch(actor(rep), cold["id"], WATCH)
    try:
        await ok(admin, UPDATE_CONTACT, input={"id": w["sam"]["id"], "version": 1, "status": "COLD"})
        await ok(admin, UPDATE_CONTACT, input={"id": w["nora"]["id"], "version": 1, "status": "COLD"})
        first = await everyone.next()
        assert (first["kind"], first["contactId"], first["customerId"]) == ("ENTERED", w["sam"]["id"], None)
        assert first["contact"] == {"id": w["sam"]["id"], "name": "Sam", "status": "COLD"}
        assert (await everyone.next())["contactId"] == w["nora"]["id"]
        # The rep never hears of South's Sam: its first event is its own team's Nora.
        entered = await north_rep.next()
        assert (entered["kind"], entered["contactId"]) == ("ENTERED", w["nora"]["id"])

        await ok(admin, UPDATE_CONTACT, input={"id": w["nora"]["id"], "version": 2, "status": "HOT"})
        for live in (everyone, north_rep):
            left = await live.next()
            assert (left["kind"], left["contactId"], left["contact"]) == ("LEFT", w["nora"]["id"], None)

        # Sam and Sue (South, cold) are hidden from the rep until their customer moves to North: a customer's change
        # brings its contacts into view, and taking it back hides them again.
        await ok(admin, UPDATE_CUSTOMER, input={"id": w["at_south"]["id"], "version": 1,
                                                "accountManagerId": str(rep.id)})
        brought = [await north_rep.next(), await north_rep.next()]
        assert {(b["kind"], b["contactId"]) for b in brought} == {("ENTERED", w["sam"]["id"]), ("ENTERED", w["sue"]["id"])}
        await ok(admin, UPDATE_CUSTOMER, input={"id": w["at_south"]["id"], "version": 2,
                                                "accountManagerId": str(w["rep2"].id)})
        gone = [await north_rep.next(), await north_rep.next()]
        assert {(g["kind"], g["contactId"]) for g in gone} == {("LEFT", w["sam"]["id"]), ("LEFT", w["sue"]["id"])}
    finally:
        await everyone.close()
        await north_rep.close()


async def test_hand_picked_contacts_stream_too(db):
    w = await world()
    admin = w["admin"]
    picked = await contact_segment(admin, kind="STATIC")
    live = await watch(actor(admin), picked["id"], WATCH)
    try:
        await ok(admin, ADD, input={"segmentId": picked["id"], "contactIds": [w["ned"]["id"], w["sue"]["id"]]})
        assert {(await live.next())["contactId"], (await live.next())["contactId"]} == {w["ned"]["id"], w["sue"]["id"]}
        await ok(admin, REMOVE, input={"segmentId": picked["id"], "contactIds": [w["sue"]["id"]]})
        assert (await live.next()) == {"kind": "LEFT", "segmentId": picked["id"], "customerId": None,
                                       "contactId": w["sue"]["id"], "contact": None}
    finally:
        await live.close()


async def test_campaign_mail_refuses_a_contact_segment_rather_than_reading_its_members_as_customers(db):
    marketing = await make_user(Role.MARKETING)
    campaign = await open_campaign(marketing)
    people = await contact_segment(marketing, contactFilter={})
    share = "mutation($input: ShareCampaignInput!) { shareCampaign(input: $input) { queued } }"
    refused = await error(marketing, share, input={"campaignId": campaign["id"], "segmentId": people["id"]})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "segmentId")
    greet = "mutation($input: ScheduleGreetingInput!) { scheduleGreeting(input: $input) { id } }"
    greetings = await make_campaign(marketing, type="GREETINGS")
    refused = await error(marketing, greet, input={"campaignId": greetings["id"], "segmentId": people["id"],
                                                   "sendAt": (datetime.now(UTC) + timedelta(days=1)).isoformat()})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "segmentId")
