"""Issue 18's "done when" for customers, in a real browser: an admin adds a "Contract end" date and a "Fleet
size" number field in Admin → Custom fields, fills them on a customer's page, filters the list by them with "+
Custom field condition" (chips that say what they keep), sorts by one, keeps the view as a dynamic segment whose
page reads the conditions by their labels, and exports exactly that view; the contacts list offers the same
control for its own fields."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import Session, exported_csv, shot_sizes

CREATE = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }"
DEFINE = "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { id } }"
ARCHIVE = "mutation($input: UpdateCustomFieldInput!) { updateCustomField(input: $input) { id } }"
DEFINED = "query($e: CustomFieldEntity!) { customFields(entity: $e, includeArchived: true) { id key version } }"
# Keys and labels of their own: other browser tests of the same server add "Contract end" and "Fleet size"
# fields (contract_end, fleet_size…) and find them by those labels.
END, FLEET = "contract_until", "fleet_units"
TAG = "cf-filter-test"


@pytest.fixture
def archive_afterwards(admin: Session) -> Iterator[Callable[[str, str], None]]:
    """Note (entity, key) of a field the test adds: it is archived when the test ends, pass or fail, so the
    forms, lists and exports of later tests on this server do not carry it."""
    ours: list[tuple[str, str]] = []
    yield lambda entity, key: ours.append((entity, key))
    for entity, key in ours:
        found = [d for d in admin.graphql(DEFINED, e=entity)["customFields"] if d["key"] == key]
        for definition in found:
            admin.graphql(ARCHIVE, input={"id": definition["id"], "version": definition["version"], "archived": True})


def add_field(page: Page, label: str, key: str, kind: str) -> None:
    form = page.locator("form[aria-label='New custom field']")
    form.locator("input[name=label]").fill(label)
    form.locator("input[name=key]").fill(key)
    form.locator("select[name=type]").select_option(kind)
    form.get_by_role("button", name="Add field").click()
    expect(page.locator(f"table[aria-label='Custom fields'] tr[data-field='{key}']")).to_be_visible()


def add_condition(page: Page, key: str, **inputs: str) -> None:
    page.get_by_role("button", name="+ Custom field condition").click()
    form = page.locator("form[aria-label='Custom field condition']")
    form.locator("select[name=cf-key]").select_option(key)
    form = page.locator(f"form[aria-label='Custom field condition'][data-field={key}]")  # redrawn for its type
    expect(form).to_be_visible()
    for name, value in inputs.items():
        form.locator(f"[name={name.replace('_', '-')}]").fill(value)
    form.get_by_role("button", name="Add condition").click()


def test_custom_fields_filter_sort_segment_and_export_the_customers_list(
        admin: Session, shots: Path, archive_afterwards: Callable[[str, str], None]) -> None:
    archive_afterwards("CUSTOMER", END)
    archive_afterwards("CUSTOMER", FLEET)
    page = admin.page("/admin/custom-fields")
    add_field(page, "Contract end date", END, "DATE")
    add_field(page, "Size of fleet", FLEET, "NUMBER")

    made = {}
    for name, fleet, end in [("Alder Freight", 12, "2027-03-31"), ("Birch Transport", 80, "2026-09-30"),
                             ("Cedar Lines", 45, "2029-01-31"), ("Dogwood Carriers", None, None)]:
        values = ([{"key": FLEET, "number": fleet}] if fleet else []) + ([{"key": END, "date": end}] if end else [])
        made[name] = admin.graphql(CREATE, input={"name": name, "email": f"{name.split()[0].lower()}@example.com",
                                                  "tags": [TAG], "customFields": values})["createCustomer"]["id"]

    # Filled in on the customer's page like any field.
    page = admin.page(f"/customers/{made['Dogwood Carriers']}")
    page.get_by_role("button", name="Edit", exact=True).click()
    edit = page.locator("[aria-label='Edit customer'] form")
    edit.locator(f"input[name='customFields.{FLEET}']").fill("60")
    edit.locator(f"input[name='customFields.{END}']").fill("2027-06-30")
    edit.get_by_role("button", name="Save changes").click()
    expect(page.locator(f"dd[data-custom-field={FLEET}]")).to_have_text("60")

    page = admin.page(f"/customers?tag={TAG}")
    rows = page.locator("table[aria-label=Customers] tbody tr")
    expect(rows).to_have_count(4)
    add_condition(page, FLEET, cf_min="40")
    chips = page.locator(".filters .chip")
    expect(chips).to_have_text([re.compile(r"Size of fleet ≥ 40")])
    expect(rows).to_have_count(3)
    add_condition(page, END, cf_max="2027-12-31")
    expect(chips.nth(1)).to_contain_text("Contract end date until 31 Dec 2027")
    expect(rows).to_have_count(2)
    expect(page.locator(".page-head .subtle")).to_have_text("2 customers")

    # Sorted by a custom column, biggest fleet first.
    page.get_by_text("Columns", exact=True).click()
    page.locator(f"input[name='column-cf.{FLEET}']").check()
    page.get_by_text("Columns", exact=True).click()
    page.click("th button:has-text('Size of fleet')")
    # Smallest first, as the user sees it, before the second click turns it round (two clicks within one render
    # would both be answered from the first state).
    expect(page).to_have_url(re.compile(rf"sort=cf\.{FLEET}(?!.*dir=desc)"))
    page.click("th button:has-text('Size of fleet')")
    expect(page).to_have_url(re.compile(rf"sort=cf\.{FLEET}.*dir=desc|dir=desc.*sort=cf\.{FLEET}"))
    expect(rows.first).to_contain_text("Birch Transport")
    expect(rows.nth(1)).to_contain_text("Dogwood Carriers")
    page.get_by_role("button", name="+ Custom field condition").click()  # the open form, for the pictures
    shot_sizes(page, shots, "custom-field-filters")
    page.locator("form[aria-label='Custom field condition']").get_by_role("button", name="Cancel").click()

    # The export holds exactly the view: the two customers, with the fields' columns.
    table = exported_csv(admin, page)
    header, by_name = table[0], {row[0]: row for row in table[1:]}
    assert sorted(by_name) == ["Birch Transport", "Dogwood Carriers"]
    assert by_name["Dogwood Carriers"][header.index("Size of fleet")] == "60"

    # Kept as a dynamic segment: its page reads the conditions by the fields' labels.
    page.get_by_role("button", name="Save as segment").click()
    dialog = page.get_by_role("dialog", name="Save as segment")
    dialog.locator("input[name=name]").fill("Big fleets renewing soon")
    dialog.get_by_role("button", name="Save segment").click()
    page.wait_for_url(re.compile(r"/segments/\d+$"))
    expect(page.locator(".segment-facts .subtle").first).to_have_text(
        re.compile(r"Tag: cf-filter-test · Size of fleet ≥ 40 · Contract end date until 31 Dec 2027"))
    members = page.locator("table[aria-label=Members] tbody tr")
    expect(members).to_have_count(2)
    expect(members.filter(has_text="Birch Transport")).to_have_count(1)
    shot_sizes(page, shots, "custom-field-segment")

    # A chip's × takes its condition away again.
    page = admin.page(f"/customers?tag={TAG}")
    rows = page.locator("table[aria-label=Customers] tbody tr")
    add_condition(page, FLEET, cf_max="20")
    expect(rows).to_have_count(1)
    page.get_by_role("button", name=re.compile("Remove Size of fleet")).click()
    expect(rows).to_have_count(4)
    page.get_by_text("Columns", exact=True).click()  # the browser remembers the columns: as they were
    page.locator(f"input[name='column-cf.{FLEET}']").uncheck()


def test_the_contacts_list_filters_by_its_own_custom_fields(admin: Session,
                                                           archive_afterwards: Callable[[str, str], None]) -> None:
    archive_afterwards("CONTACT", "decides")
    admin.graphql(DEFINE, input={"entity": "CONTACT", "key": "decides", "label": "Decision maker", "type": "BOOLEAN"})
    contact = "mutation($input: CreateContactInput!) { createContact(input: $input) { id } }"
    for name, decides in [("Ola Filterberg", True), ("Per Filterberg", False)]:
        admin.graphql(contact, input={"name": name, "email": f"{name.split()[0].lower()}@filterberg.example",
                                      "customFields": [{"key": "decides", "boolean": decides}]})
    page = admin.page("/contacts?q=Filterberg")
    rows = page.locator("table[aria-label=Contacts] tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="+ Custom field condition").click()
    page.locator("form[aria-label='Custom field condition'] select[name=cf-key]").select_option("decides")
    form = page.locator("form[aria-label='Custom field condition'][data-field=decides]")
    form.locator("select[name=cf-value]").select_option("yes")
    form.get_by_role("button", name="Add condition").click()
    expect(page.locator(".filters .chip")).to_contain_text("Decision maker: Yes")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ola Filterberg")
