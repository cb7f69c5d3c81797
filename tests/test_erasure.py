"""Data subject requests (issue 21): exportPersonData gathers what is held about a person, erasePerson
leaves no trace of their email or name in any table, only an audit entry that says nothing about whom."""

from __future__ import annotations

import json

from tortoise import Tortoise, connections

from backend.auth.actor import Actor
from backend.models import AuditEntry, Contact, Enrolment, Lead, Role
from tests.factories import error, log_activity, make_contact, make_customer, make_user, ok, open_campaign

EMAIL, NAME = "Erika.Mustermann@example.com", "Erika Mustermann"
EXPORT = "query($email: String!) { exportPersonData(email: $email) }"
ERASE = "mutation($input: ErasePersonInput!) { erasePerson(input: $input) { rows } }"
ENROL = "mutation($input: EnrolInCampaignInput!) { enrolInCampaign(input: $input) { created } }"


async def traces(*needles: str) -> list[str]:
    """Every (table.column) of every model's table whose value mentions a needle, whatever its type."""
    conn, found = connections.get("default"), []
    for model in Tortoise.apps["models"].values():
        table = model._meta.db_table
        _, rows = await conn.execute_query(f'SELECT * FROM "{table}"')
        for row in rows:
            for column, value in dict(row).items():
                text = json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else value
                if any(n.lower() in text.lower() for n in needles):
                    found.append(f"{table}.{column}")
    return found


async def a_person_everywhere() -> tuple[object, dict[str, str]]:
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin, name="Alpine Dairy")
    contact = await make_contact(admin, name=NAME, email=EMAIL, customerId=customer["id"], phone="+49 30 1234")
    await make_contact(admin, name="Hans Keeper", email="hans@example.com", customerId=customer["id"])
    await ok(admin, "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }",
             input={"title": f"Dairy sensors for {NAME}", "contactId": contact["id"]})
    await log_activity(admin, customerId=customer["id"], contactId=contact["id"],
                       title=f"Call with {NAME}", description=f"She asked us to write to {EMAIL.lower()}")
    await ok(admin, "mutation($input: SetMailConsentInput!) { setMailConsent(input: $input) { __typename } }",
             input={"contactId": contact["id"], "subscribed": True})
    campaign = await open_campaign(admin)
    await ok(Actor.anonymous(), ENROL, input={"campaignId": campaign["id"], "name": NAME, "email": EMAIL, "consent": True})
    await ok(admin, "mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }",
             input={"subject": f"Invoice question from {NAME}", "customerId": customer["id"], "contactId": contact["id"]})
    return admin, contact


async def test_export_gathers_the_person_and_only_admins_may(db):
    admin, contact = await a_person_everywhere()
    document = json.loads((await ok(admin, EXPORT, email=EMAIL))["exportPersonData"])
    records = document["records"]
    assert document["email"] == EMAIL.lower() and NAME in document["names"]
    assert [c["id"] for c in records["contact"]] == [int(contact["id"])]  # Hans is not theirs
    for table in ("lead", "activity", "enrolment", "mail_consent", "ticket"):
        assert records.get(table), table
    rep = await make_user(Role.SALES_REP)
    assert (await error(rep, EXPORT, email=EMAIL))["code"] == "FORBIDDEN"
    assert (await error(rep, ERASE, input={"email": EMAIL}))["code"] == "FORBIDDEN"


async def test_erasure_leaves_no_trace_in_any_table(db):
    admin, contact = await a_person_everywhere()
    assert await traces(EMAIL, NAME)  # the scan sees them before
    rows = (await ok(admin, ERASE, input={"email": EMAIL.upper()}))["erasePerson"]["rows"]
    assert rows > 5
    assert await traces(EMAIL, NAME) == []
    # History stays, without the person: the contact, its lead and enrolment counts remain, anonymised.
    kept = await Contact.get(id=int(contact["id"]))
    assert (kept.name, kept.email, kept.phone) == ("[erased]", "", "")
    assert await Lead.filter(contact_id=kept.id).count() == 1 and await Enrolment.all().count() == 1
    assert await Contact.filter(name="Hans Keeper", email="hans@example.com").exists()
    entry = await AuditEntry.get(action="person.erase")
    assert entry.actor_id == admin.id and entry.changes == {"rows": [None, rows]}
    again = json.loads((await ok(admin, EXPORT, email=EMAIL))["exportPersonData"])
    assert again["records"] == {}
    assert (await ok(admin, ERASE, input={"email": EMAIL}))["erasePerson"]["rows"] == 0


async def test_a_bad_address_is_refused_and_erases_nothing(db):
    admin, _ = await a_person_everywhere()
    refused = await error(admin, ERASE, input={"email": "erika"})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "email")
    assert await traces(EMAIL) != []
