"""Tickets' files and custom fields (issue 20): a file attached to a ticket is seen exactly when the ticket is
(its customer's row rule), and ticket custom fields are validated, defaulted, stored and audited like deals'."""

from __future__ import annotations

from typing import Any

from backend.models import AuditEntry, Role
from backend.services import tickets
from tests.factories import actor, error, make_customer, make_team, make_user, ok
from tests.test_attachments import ATTACH, PDF, attach, bearer, client, upload
from tests.test_custom_fields import define, value

VALUES = "customFields { key type text number options }"
CREATE = f"mutation($input: CreateTicketInput!) {{ createTicket(input: $input) {{ id version {VALUES} }} }}"
UPDATE = f"mutation($input: UpdateTicketInput!) {{ updateTicket(input: $input) {{ id version {VALUES} }} }}"
TICKET = f"query($id: ID!) {{ ticket(id: $id) {{ id {VALUES} attachments {{ id fileName }} }} }}"


async def new_ticket(who: Any, customer_id: str, **fields: Any) -> dict[str, Any]:
    return (await ok(who, CREATE, input={"subject": "Printer on fire", "customerId": customer_id, **fields}))["createTicket"]


async def test_a_ticket_takes_files_seen_only_by_who_sees_its_customer(db: str) -> None:
    north, south = await make_team("North"), await make_team("South")
    rep, other = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    agent = await make_user(Role.SUPPORT)
    customer = await make_customer(rep)
    ticket = await new_ticket(agent, customer["id"])
    made = await attach(agent, ticket["id"], PDF, "log.pdf", record_type="TICKET")
    assert (await ok(rep, TICKET, id=ticket["id"]))["ticket"]["attachments"] == [
        {"id": made["id"], "fileName": "log.pdf"}]
    async with client(await bearer(rep)) as http:
        assert (await http.get(made["url"])).status_code == 200
    async with client(await bearer(other)) as http:
        assert (await http.get(made["url"])).status_code == 404
    err = await error(other, ATTACH, input={"recordType": "TICKET", "recordId": ticket["id"], "file": upload(PDF, "x.pdf")})
    assert (err["code"], err["field"]) == ("NOT_FOUND", "recordId"), err
    assert (await error(other, "mutation($id: ID!) { deleteAttachment(input: {id: $id}) { id } }",
                        id=made["id"]))["code"] == "NOT_FOUND"


async def test_ticket_custom_fields_are_validated_defaulted_and_audited(db: str) -> None:
    admin, agent = await make_user(Role.ADMIN), await make_user(Role.SUPPORT)
    await define(admin, "severity", "SELECT", entity="TICKET", options=["low", "high"], required=True)
    await define(admin, "machines", "NUMBER", entity="TICKET", default={"number": 1})
    customer = await make_customer(admin)
    missing = await error(agent, CREATE, input={"subject": "Jam", "customerId": customer["id"]})
    assert (missing["code"], missing["field"]) == ("BAD_USER_INPUT", "customFields.severity"), missing
    wrong = await error(agent, CREATE, input={"subject": "Jam", "customerId": customer["id"],
                                              "customFields": [{"key": "severity", "text": "apocalyptic"}]})
    assert (wrong["code"], wrong["field"]) == ("BAD_USER_INPUT", "customFields.severity"), wrong
    ticket = await new_ticket(agent, customer["id"], customFields=[{"key": "severity", "text": "high"}])
    assert value(ticket, "severity")["text"] == "high" and value(ticket, "machines")["number"] == 1
    changed = (await ok(agent, UPDATE, input={"id": ticket["id"], "version": ticket["version"],
                                              "customFields": [{"key": "machines", "number": 4}]}))["updateTicket"]
    assert value(changed, "machines")["number"] == 4 and value(changed, "severity")["text"] == "high"
    read = (await ok(agent, TICKET, id=ticket["id"]))["ticket"]
    assert value(read, "machines")["number"] == 4
    entry = await AuditEntry.filter(action="ticket.update", entity_id=ticket["id"]).order_by("-id").first()
    assert entry is not None and entry.changes["custom.machines"] == [1, 4]


async def test_a_web_form_ticket_gets_defaults_without_being_asked_for_required_fields(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    await define(admin, "severity", "SELECT", entity="TICKET", options=["low", "high"], required=True)
    await define(admin, "machines", "NUMBER", entity="TICKET", default={"number": 1})
    customer = await make_customer(admin)
    form = await tickets.support_form(actor(admin), customer["id"])
    ticket = await tickets.file_from_form(form.code, "Heidi", "heidi@example.com", "Jam", "Paper jam")
    assert ticket is not None
    read = (await ok(admin, TICKET, id=str(ticket.id)))["ticket"]
    assert value(read, "machines")["number"] == 1 and value(read, "severity")["text"] is None
