"""leadChanged and contactChanged: committed changes of leads and contacts, through the same row rules as
queries, REMOVED for a row that left the subscriber's view, and a contact page's stream that ends when its
contact is deleted."""

from __future__ import annotations

from typing import Any

from backend.live import topics
from backend.models import Role
from tests.factories import actor, make_contact, make_customer, make_team, make_user, ok
from tests.test_subscriptions import lives, subscribe

__all__ = ["lives"]  # the fixture closing each subscriber

LEADS = "subscription { leadChanged { kind leadId lead { id title owner { id } } changedBy { id } } }"
CONTACTS = "subscription($id: ID) { contactChanged(contactId: $id) { kind contactId contact { id name } } }"
CREATE_LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id version } }"
UPDATE_LEAD = "mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id version } }"
UPDATE_CONTACT = "mutation($input: UpdateContactInput!) { updateContact(input: $input) { id version } }"
DELETE_CONTACT = "mutation($input: DeleteContactInput!) { deleteContact(input: $input) { id } }"


async def teams() -> dict[str, Any]:
    north, south = await make_team("North"), await make_team("South")
    return {"admin": await make_user(Role.ADMIN), "head": await make_user(Role.SALES_HEAD, north),
            "rep": await make_user(Role.SALES_REP, north), "rep2": await make_user(Role.SALES_REP, south)}


async def test_lead_changes_reach_those_who_see_the_lead_and_a_reassignment_removes_it(db, lives):
    w = await teams()
    north = await subscribe(actor(w["rep"]), LEADS, topics.leads())
    south = await subscribe(actor(w["rep2"]), LEADS, topics.leads())
    lives += [north, south]

    theirs = (await ok(w["rep2"], CREATE_LEAD, input={"title": "South's own"}))["createLead"]
    assert await south.data("leadChanged") == {"kind": "CREATED", "leadId": theirs["id"], "changedBy": {"id": str(w["rep2"].id)},
                                               "lead": {"id": theirs["id"], "title": "South's own", "owner": {"id": str(w["rep2"].id)}}}
    ours = (await ok(w["rep"], CREATE_LEAD, input={"title": "North's own"}))["createLead"]
    created = await north.data("leadChanged")  # South's lead never reached North
    assert (created["kind"], created["leadId"], created["lead"]["title"]) == ("CREATED", ours["id"], "North's own")

    # Handed to the South team's rep by an admin: North is told to drop it, South gets it.
    await ok(w["admin"], UPDATE_LEAD, input={"id": ours["id"], "version": ours["version"], "ownerId": str(w["rep2"].id)})
    assert await north.data("leadChanged") == {"kind": "REMOVED", "leadId": ours["id"], "lead": None,
                                               "changedBy": {"id": str(w["admin"].id)}}
    moved = await south.data("leadChanged")
    assert (moved["kind"], moved["lead"]["owner"]) == ("UPDATED", {"id": str(w["rep2"].id)})


async def test_a_contact_pages_stream_follows_its_contact_until_it_is_deleted(db, lives):
    w = await teams()
    customer = await make_customer(w["admin"], accountManagerId=str(w["rep"].id))
    other = await make_contact(w["admin"], customerId=customer["id"])
    contact = await make_contact(w["admin"], customerId=customer["id"], name="Ada Page")
    page = await subscribe(actor(w["rep"]), CONTACTS, topics.contacts(), id=contact["id"])
    everything = await subscribe(actor(w["rep"]), CONTACTS, topics.contacts(), id=None)
    elsewhere = await subscribe(actor(w["rep2"]), CONTACTS, topics.contacts(), id=None)
    lives += [page, everything, elsewhere]

    await ok(w["rep"], UPDATE_CONTACT, input={"id": other["id"], "version": 1, "name": "Not on this page"})
    await ok(w["rep"], UPDATE_CONTACT, input={"id": contact["id"], "version": 1, "name": "Ada Renamed"})
    assert await page.data("contactChanged") == {"kind": "UPDATED", "contactId": contact["id"],
                                                 "contact": {"id": contact["id"], "name": "Ada Renamed"}}
    assert [(await everything.data("contactChanged"))["contactId"] for _ in range(2)] == [other["id"], contact["id"]]

    await ok(w["admin"], DELETE_CONTACT, input={"id": contact["id"], "version": 2})
    assert await page.data("contactChanged") == {"kind": "DELETED", "contactId": contact["id"], "contact": None}
    ended = await page.next()
    assert ended.errors[0].extensions["code"] == "NOT_FOUND"
    assert (await everything.data("contactChanged"))["kind"] == "DELETED"
    # South never saw North's customer's contacts: the first thing it hears is its own contact.
    mine = await make_contact(w["rep2"], name="South contact")
    assert (await elsewhere.data("contactChanged"))["contactId"] == mine["id"]
