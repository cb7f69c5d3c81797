"""The top bar's search document as the UI sends it: archived and merged-away customers and contacts, and the
leads and deals linked to them, are left out unless an admin asks for archived records too."""

from __future__ import annotations

from backend.models import Role
from frontend.components.search import SEARCH, search_variables
from tests.factories import make_contact, make_customer, make_deal, make_user, ok

LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }"
MERGE = "mutation($input: MergeInput!) { mergeCustomers(input: $input) { keptId } }"
ARCHIVE = "mutation($input: ArchiveInput!) { archiveCustomer(input: $input) { id } }"


def titles(data: dict, kind: str) -> list[str]:
    return sorted(e["node"].get("name") or e["node"]["title"] for e in (data.get(kind) or {}).get("edges", []))


async def test_archived_and_merged_records_and_what_hangs_on_them_are_left_out(db):
    admin = await make_user(Role.ADMIN)
    kept = await make_customer(admin, name="Zebulon Kept", email="a@zeb.example")
    gone = await make_customer(admin, name="Zebulon Gone", email="b@zeb.example")
    shelved = await make_customer(admin, name="Zebulon Shelved", email="c@zeb.example")
    await make_contact(admin, name="Zebulon Person", email="p@zeb.example", customerId=shelved["id"])
    await make_deal(admin, shelved["id"], title="Zebulon old deal")
    await make_deal(admin, kept["id"], title="Zebulon live deal")
    await ok(admin, LEAD, input={"title": "Zebulon old lead", "customerId": shelved["id"]})
    await ok(admin, LEAD, input={"title": "Zebulon free lead", "companyName": "Nobody yet"})  # no customer: in use
    await ok(admin, MERGE, input={"keepId": kept["id"], "records": [{"id": kept["id"], "version": 1},
                                                                    {"id": gone["id"], "version": 1}]})
    await ok(admin, ARCHIVE, input={"id": shelved["id"], "version": 1})

    found = await ok(admin, SEARCH, **search_variables("zebulon", False))
    assert titles(found, "customers") == ["Zebulon Kept"]
    assert titles(found, "leads") == ["Zebulon free lead"]
    assert titles(found, "deals") == ["Zebulon live deal"]
    assert "archivedCustomers" not in found

    everything = await ok(admin, SEARCH, **search_variables("zebulon", True))
    assert titles(everything, "archivedCustomers") == ["Zebulon Gone", "Zebulon Shelved"]
    assert titles(everything, "leads") == ["Zebulon free lead", "Zebulon old lead"]
    assert titles(everything, "deals") == ["Zebulon live deal", "Zebulon old deal"]
    only = await ok(admin, "{ deals(search: \"zebulon\", archived: true) { edges { node { title } } } }")
    assert titles(only, "deals") == ["Zebulon old deal"]
