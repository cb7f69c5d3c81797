"""Custom fields in customer imports: offered as mapping targets (mapped by label), cells read per type and
validated as the API validates them (each bad cell reported under its column, a dry run included), defaults
and required fields applied to new customers, values written by the bulk insert and audited, and updated on
a duplicate with the update policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend.models import AuditEntry, Customer, CustomValue, Role
from backend.services import imports
from backend.services.custom_fields import plain
from tests.factories import actor, make_team, make_user, ok
from tests.test_imports import run_import, write

DEFINE = "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { id } }"
FIELDS = "{ importFields(entity: CUSTOMERS) { name label required } }"
VALUES = "query($id: ID!) { customer(id: $id) { customFields { key number date money { amount currency } options userId boolean text } } }"


async def define(admin: Any, key: str, label: str, type_: str, **more: Any) -> None:
    await ok(admin, DEFINE, input={"entity": "CUSTOMER", "key": key, "label": label, "type": type_, **more})


async def fields(admin: Any) -> None:
    await define(admin, "fleet_size", "Fleet size", "NUMBER")
    await define(admin, "contract_end", "Contract end", "DATE")
    await define(admin, "budget", "Budget", "MONEY")
    await define(admin, "regions", "Regions", "MULTI_SELECT", options=["North", "South"])
    await define(admin, "sponsor", "Sponsor", "USER")
    await define(admin, "tier", "Tier", "SELECT", options=["Gold", "Silver"], required=True, default={"text": "Silver"})


async def stored(record: Any, entity: str = "customer") -> dict[str, Any]:
    rows = await CustomValue.filter(record_id=record.id, field__entity=entity).prefetch_related("field")
    return {row.field.key: plain(row.field, row) for row in rows}


async def test_custom_fields_are_mapping_targets_and_required_ones_without_default_must_be_mapped(db, tmp_path: Path):
    admin = await make_user(Role.ADMIN)
    await fields(admin)
    await define(admin, "region_code", "Region code", "TEXT", required=True)
    offered = {f["name"]: f for f in (await ok(admin, FIELDS))["importFields"]}
    assert offered["custom.fleet_size"]["label"] == "Fleet size"
    assert (offered["custom.tier"]["required"], offered["custom.region_code"]["required"]) == (False, True)
    job = await imports.create_job(actor(admin), "customers", "in.csv",
                                   write(tmp_path, "Name,Email,Fleet size,Contract end\nA,a@a.example,3,2027-01-31\n"))
    assert job.mapping == {"Name": "name", "Email": "email", "Fleet size": "custom.fleet_size",
                           "Contract end": "custom.contract_end"}
    await imports.configure(actor(admin), job.id, None, "skip")
    refused = None
    try:
        await imports.start(actor(admin), job.id)
    except Exception as error:  # noqa: BLE001  (the refusal is what is tested)
        refused = str(error)
    assert refused and "Region code" in refused


async def test_cells_are_typed_validated_written_with_defaults_and_audited(db, tmp_path: Path):
    admin = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP, await make_team(), email="sponsor@example.com")
    await fields(admin)
    text = ("Name,Email,Fleet size,Contract end,Budget,Regions,Sponsor\n"
            "Acme,acme@x.example,\"1.250,5\",2027-06-30,1250.50 EUR,North; South,SPONSOR@example.com\n"
            "Bolt,bolt@x.example,many,,,,\n"
            "Crane,crane@x.example,,31.12.2027,,,\n"
            "Delta,delta@x.example,,,12 EUR,West,\n"
            "Echo,echo@x.example,,,,,nobody@example.com\n"
            "Foxtrot,fox@x.example,,,,,\n")
    path = write(tmp_path, text)
    job = await imports.create_job(actor(admin), "customers", "in.csv", path)
    preview = await imports.preview(actor(admin), job.id)
    problems = {(row, column): message for row, column, message in preview.problems}
    assert problems[(3, "Fleet size")] == "'many' is not a number"
    assert problems[(4, "Contract end")] == "'31.12.2027' is not an ISO date"
    assert "'West' is not one of the options" in problems[(5, "Regions")]
    assert problems[(6, "Sponsor")] == "'nobody@example.com' is no active user"
    assert (preview.created, preview.invalid) == (2, 4)
    assert await CustomValue.all().count() == 0

    job = await run_import(admin, path)
    assert (job.created, job.invalid) == (2, 4)
    acme = await Customer.get(name="Acme")
    assert await stored(acme) == {"fleet_size": 1250.5, "contract_end": "2027-06-30", "tier": "Silver",
                                  "budget": {"amount": 125050, "currency": "EUR"}, "regions": ["North", "South"],
                                  "sponsor": rep.id}
    assert await stored(await Customer.get(name="Foxtrot")) == {"tier": "Silver"}  # the default
    entry = await AuditEntry.get(action="customer.create", entity_id=str(acme.id))
    assert entry.changes["custom.fleet_size"] == [None, 1250.5] and entry.changes["custom.tier"] == [None, "Silver"]
    api = (await ok(admin, VALUES, id=str(acme.id)))["customer"]["customFields"]
    assert next(v for v in api if v["key"] == "budget")["money"] == {"amount": 125050, "currency": "EUR"}


async def test_the_update_policy_changes_the_custom_values_the_file_fills(db, tmp_path: Path):
    admin = await make_user(Role.ADMIN)
    await fields(admin)
    await run_import(admin, write(tmp_path, "Name,Email,Fleet size,Tier\nAcme,a@acme.example,3,Gold\n"))
    job = await run_import(admin, write(tmp_path, "Name,Email,Fleet size\nAcme,a@acme.example,7\n", name="b.csv"),
                           policy="update")
    assert (job.created, job.updated) == (0, 1)
    customer = await Customer.get(email="a@acme.example")
    assert await stored(customer) == {"fleet_size": 7.0, "tier": "Gold"}  # an unmapped field keeps its value
    assert customer.version == 2


async def test_contact_and_lead_imports_carry_their_own_custom_fields(db, tmp_path: Path):
    admin = await make_user(Role.ADMIN)
    await ok(admin, DEFINE, input={"entity": "CONTACT", "key": "shoe_size", "label": "Shoe size", "type": "NUMBER"})
    await ok(admin, DEFINE, input={"entity": "CONTACT", "key": "channel", "label": "Channel", "type": "SELECT",
                                   "options": ["Phone", "Email"], "default": {"text": "Email"}})
    await ok(admin, DEFINE, input={"entity": "LEAD", "key": "budget", "label": "Budget", "type": "MONEY",
                                   "required": True})
    offered = {f["name"] for f in (await ok(admin, "{ importFields(entity: CONTACTS) { name } }"))["importFields"]}
    assert {"custom.shoe_size", "custom.channel"} <= offered
    people = write(tmp_path, "Name,Email,Shoe size,Channel\nAda,ada@x.example,44,Phone\nBob,bob@x.example,big,\n"
                             "Cleo,cleo@x.example,,\n", name="people.csv")
    job = await run_import(admin, people, entity="contacts")
    assert (job.created, job.invalid) == (2, 1)
    from backend.models import Contact, Lead

    ada, cleo = await Contact.get(email="ada@x.example"), await Contact.get(email="cleo@x.example")
    assert await stored(ada, "contact") == {"shoe_size": 44.0, "channel": "Phone"}
    assert await stored(cleo, "contact") == {"channel": "Email"}  # the default
    entry = await AuditEntry.get(action="contact.create", entity_id=str(ada.id))
    assert entry.changes["custom.shoe_size"] == [None, 44.0]

    leads = write(tmp_path, "Title,Budget\nRoofs,1250.50 EUR\nWindows,\n", name="leads.csv")
    job = await imports.create_job(actor(admin), "leads", "leads.csv", leads)
    assert job.mapping == {"Title": "title", "Budget": "custom.budget"}
    job = await run_import(admin, leads, entity="leads")
    assert (job.created, job.invalid) == (1, 1)
    roofs = await Lead.get(title="Roofs")
    assert await stored(roofs, "lead") == {"budget": {"amount": 125050, "currency": "EUR"}}
    entry = await AuditEntry.get(action="lead.create", entity_id=str(roofs.id))
    assert entry.changes["custom.budget"] == [None, {"amount": 125050, "currency": "EUR"}]
