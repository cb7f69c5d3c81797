"""Custom fields in the customers and contacts exports: a column per active field after the built-in ones,
each cell as a sheet reads it, empty cells for records without a value, the page's values read in a fixed
number of statements; a list sorted by a custom field still exports (by name)."""

from __future__ import annotations

import csv
import io
from typing import Any

from backend.models import Role
from frontend.export import Export
from tests.factories import actor, make_contact, make_customer, make_user, ok
from tests.sqlcount import count_statements

DEFINE = "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { id version } }"
ARCHIVE = "mutation($input: UpdateCustomFieldInput!) { updateCustomField(input: $input) { id } }"
ROWS = """query($first: Int) { exportCustomers(pageSize: $first) { header rows } }"""
CONTACT_ROWS = "{ exportContacts { header rows } }"


async def define(admin: Any, key: str, label: str, type_: str, entity: str = "CUSTOMER", **more: Any) -> dict[str, Any]:
    field = {"entity": entity, "key": key, "label": label, "type": type_, **more}
    return (await ok(admin, DEFINE, input=field))["createCustomField"]


async def test_every_kind_of_value_is_a_readable_cell_and_archived_fields_leave_the_sheet(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "fleet_size", "Fleet size", "NUMBER")
    await define(admin, "contract_end", "Contract end", "DATE")
    await define(admin, "budget", "Budget", "MONEY")
    await define(admin, "regions", "Regions", "MULTI_SELECT", options=["North", "South", "East"])
    await define(admin, "key_account", "Key account", "BOOLEAN")
    await define(admin, "sponsor", "Sponsor", "USER")
    weight = await define(admin, "weight", "Weight", "NUMBER")
    await make_customer(admin, name="Filled", customFields=[
        {"key": "fleet_size", "number": 12}, {"key": "contract_end", "date": "2027-06-30"},
        {"key": "budget", "amount": 125050, "currency": "EUR"}, {"key": "regions", "options": ["South", "North"]},
        {"key": "key_account", "boolean": True}, {"key": "sponsor", "userId": str(admin.id)},
        {"key": "weight", "number": 2.5}])
    await make_customer(admin, name="Empty")
    page = (await ok(admin, ROWS))["exportCustomers"]
    header = page["header"]
    custom = header[header.index("Created") + 1:]
    assert custom == ["Fleet size", "Contract end", "Budget", "Regions", "Key account", "Sponsor", "Weight"]
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in page["rows"]}
    filled = [rows["Filled"][title] for title in custom]
    assert filled == [12, "2027-06-30", "1250.50 EUR", "South, North", "yes", admin.name, 2.5]
    assert [rows["Empty"][title] for title in custom] == [None] * len(custom)

    await ok(admin, ARCHIVE, input={"id": weight["id"], "version": weight["version"], "archived": True})
    assert "Weight" not in (await ok(admin, ROWS))["exportCustomers"]["header"]


async def test_custom_values_cost_the_same_statements_for_a_small_and_a_large_page(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "fleet_size", "Fleet size", "NUMBER")
    await define(admin, "sponsor", "Sponsor", "USER")
    people = [await make_user(Role.SALES_REP) for _ in range(3)]
    for i in range(30):
        await make_customer(admin, customFields=[{"key": "fleet_size", "number": i},
                                                 {"key": "sponsor", "userId": str(people[i % 3].id)}])
    with count_statements() as small:
        await ok(admin, ROWS, first=5)
    with count_statements() as large:
        await ok(admin, ROWS, first=30)
    assert len(small) == len(large), large


async def test_contacts_export_their_own_fields(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "fleet_size", "Fleet size", "NUMBER")  # a customer field: not a contact column
    await define(admin, "languages", "Languages", "TEXT", entity="CONTACT")
    customer = await make_customer(admin)
    await make_contact(admin, customerId=customer["id"], name="Ada", customFields=[{"key": "languages", "text": "en, de"}])
    page = (await ok(admin, CONTACT_ROWS))["exportContacts"]
    assert page["header"][-1] == "Languages" and "Fleet size" not in page["header"]
    assert page["rows"][0][-1] == "en, de"


async def test_a_list_sorted_by_a_custom_field_exports_its_rows_by_name(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "fleet_size", "Fleet size", "NUMBER")
    for name, fleet in (("Bravo", 1), ("Alpha", 2)):
        await make_customer(admin, name=name, customFields=[{"key": "fleet_size", "number": fleet}])
    running = await Export.open(actor(admin), "customers", {"sort": "cf.fleet_size", "dir": "desc"}, "csv")
    table = list(csv.reader(io.StringIO("".join([chunk async for chunk in running.csv_chunks()]).removeprefix("\ufeff"))))
    assert [row[0] for row in table[1:]] == ["Alpha", "Bravo"]
    assert [row[table[0].index("Fleet size")] for row in table[1:]] == ["2", "1"]


async def test_leads_export_their_own_fields_with_the_lists_custom_conditions(db):
    admin = await make_user(Role.ADMIN)
    await define(admin, "budget", "Budget", "MONEY", entity="LEAD")
    create = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }"
    await ok(admin, create, input={"title": "Roofs", "customFields": [{"key": "budget", "amount": 125050, "currency": "EUR"}]})
    await ok(admin, create, input={"title": "Windows"})
    view = {"cf": '[{"key":"budget","op":"GTE","amount":100000,"currency":"EUR"}]'}
    running = await Export.open(actor(admin), "leads", view, "csv")
    table = list(csv.reader(io.StringIO("".join([chunk async for chunk in running.csv_chunks()]).removeprefix("\ufeff"))))
    assert table[0][:2] == ["Title", "Company"] and table[0][-1] == "Budget"
    assert [(row[0], row[-1]) for row in table[1:]] == [("Roofs", "1250.50 EUR")]
