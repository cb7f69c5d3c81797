"""deleteContact and a contact's allowedActions: who may delete, the refusal of a contact with history (which
names what is on record and writes nothing), the stale version, the audit entry and the customer search."""

from backend.models import AuditEntry, Contact, Role
from tests.factories import error, log_activity, make_contact, make_customer, make_deal, make_team, make_user, ok

DELETE = "mutation($input: DeleteContactInput!) { deleteContact(input: $input) { id } }"
ACTIONS = "query($id: ID!) { contact(id: $id) { allowedActions } }"


async def test_a_contact_without_history_is_deleted_with_its_audit_entry_and_leaves_customer_search(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin, name="Quay Works")
    c = await make_contact(admin, name="Ines Zorbach", customerId=customer["id"])
    assert (await ok(admin, DELETE, input={"id": c["id"], "version": 1}))["deleteContact"] == {"id": c["id"]}
    assert not await Contact.filter(id=int(c["id"])).exists()
    entry = await AuditEntry.get(entity="contact", entity_id=c["id"], action="contact.delete")
    assert entry.actor_id == admin.id and entry.changes["name"] == ["Ines Zorbach", None]
    found = await ok(admin, '{ customers(search: "zorbach") { totalCount } }')
    assert found["customers"]["totalCount"] == 0


async def test_a_contact_with_history_is_refused_naming_it_and_nothing_is_written(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    c = await make_contact(admin, name="Hans Kept", customerId=customer["id"])
    await log_activity(admin, contactId=c["id"], kind="CALL")
    await log_activity(admin, contactId=c["id"])
    lead = (await ok(admin, "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }",
                     input={"title": "Upsell", "contactId": c["id"]}))["createLead"]
    assert lead["id"]
    await make_deal(admin, customer["id"], contactId=c["id"])
    audits = await AuditEntry.all().count()
    refused = await error(admin, DELETE, input={"id": c["id"], "version": 1})
    assert refused["code"] == "BAD_USER_INPUT" and refused["field"] == "id"
    assert "(2 activities, 1 deal, 1 lead)" in refused["message"] and "Not interested" in refused["message"]
    assert await Contact.filter(id=int(c["id"])).exists() and await AuditEntry.all().count() == audits


async def test_delete_checks_role_team_and_version(db):
    north, south = await make_team("North"), await make_team("South")
    head = await make_user(Role.SALES_HEAD, north)
    rep = await make_user(Role.SALES_REP, north)
    support = await make_user(Role.SUPPORT)
    other_head = await make_user(Role.SALES_HEAD, south)
    mine = await make_contact(rep)  # a loose contact, owned by the rep
    for who in (rep, support):
        assert (await error(who, DELETE, input={"id": mine["id"], "version": 1}))["code"] == "FORBIDDEN"
    assert (await error(other_head, DELETE, input={"id": mine["id"], "version": 1}))["code"] == "NOT_FOUND"
    stale = await error(head, DELETE, input={"id": mine["id"], "version": 3})
    assert stale["code"] == "CONFLICT" and stale["currentVersion"] == 1
    assert (await error(head, DELETE, input={"id": "x", "version": 1}))["field"] == "id"
    await ok(head, DELETE, input={"id": mine["id"], "version": 1})


async def test_allowed_actions_follow_role_and_who_runs_the_customer(db):
    north, south = await make_team("North"), await make_team("South")
    rep = await make_user(Role.SALES_REP, north)
    head = await make_user(Role.SALES_HEAD, north)
    rep2 = await make_user(Role.SALES_REP, south)
    support = await make_user(Role.SUPPORT)
    admin = await make_user(Role.ADMIN)
    managed = await make_customer(rep, accountManagerId=str(rep.id))
    theirs = await make_customer(rep2, accountManagerId=str(rep2.id))
    await make_deal(admin, theirs["id"], ownerId=str(rep.id))  # north sees south's customer through a deal
    at_mine = await make_contact(rep, customerId=managed["id"])
    at_theirs = await make_contact(rep2, customerId=theirs["id"])

    async def actions(who, contact):
        return (await ok(who, ACTIONS, id=contact["id"]))["contact"]["allowedActions"]

    assert await actions(rep, at_mine) == ["updateContact", "convertContact"]
    assert await actions(head, at_mine) == ["updateContact", "convertContact", "deleteContact"]
    assert await actions(support, at_mine) == ["updateContact", "convertContact"]
    assert await actions(rep, at_theirs) == []  # visible through the deal, run by the south team
    await ok(rep, "mutation($input: ConvertContactInput!) { convertContact(input: $input) { customerCreated } }",
             input={"id": at_mine["id"], "version": 1})
    assert await actions(rep, at_mine) == ["updateContact"]  # converted is final


async def test_allowed_actions_of_a_page_of_contacts_take_a_fixed_number_of_statements(db):
    from tests.sqlcount import count_statements

    north = await make_team("North")
    head = await make_user(Role.SALES_HEAD, north)
    page = "query($n: Int) { contacts(first: $n) { edges { node { allowedActions } } } }"

    async def statements(n: int) -> int:
        with count_statements() as sent:
            await ok(head, page, n=n)
        return len(sent)

    for _ in range(3):
        await make_contact(head, customerId=(await make_customer(head))["id"])
        await make_contact(head)  # a loose one, owned by the head
    assert await statements(2) == await statements(6)
