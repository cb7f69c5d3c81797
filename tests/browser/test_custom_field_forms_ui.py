"""Custom fields on the customer screens in a real browser: an admin adds "Contract end" (DATE) and "Fleet
size" (NUMBER, with a default) while the customer list is open; the new-customer form picks them up live,
shows a refused value under its control, the 360 page shows and edits the values, the list offers them as
columns and sorts by them, and the CSV export carries them. Marketing reads the values but may not edit."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, expect

from tests.browser.helpers import PHONE, VIEWPORT, Session, exported_csv, resized, shot_sizes

DEFINE = "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { id } }"
CREATE = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }"
# Keys of their own: tests/browser/test_custom_fields_ui.py adds contract_end and fleet_size to the same server.
END, FLEET = "customFields.contract_ends_on", "customFields.fleet_vehicles"
TAG = "fleet-test"


def phone_shot(part: Locator, folder: Path, name: str) -> None:
    """The part of the page below the fold at the phone's size (shot_sizes shows the top of the page)."""
    resized(part.page, PHONE)
    part.scroll_into_view_if_needed()
    part.page.screenshot(path=str(folder / f"{name}-phone.png"))
    part.page.set_viewport_size(VIEWPORT)


def test_custom_fields_in_the_customer_form_360_page_columns_and_export(admin: Session, marketing: Session,
                                                                         shots: Path) -> None:
    page = admin.page(f"/customers?tag={TAG}")
    expect(page.locator("h1")).to_have_text("Customers")
    admin.graphql(DEFINE, input={"entity": "CUSTOMER", "key": "contract_ends_on", "label": "Contract end",
                                 "type": "DATE", "position": 1})
    admin.graphql(DEFINE, input={"entity": "CUSTOMER", "key": "fleet_vehicles", "label": "Fleet size",
                                 "type": "NUMBER", "position": 2, "helpText": "Trucks on the road",
                                 "default": {"number": 5}})
    admin.graphql(CREATE, input={"name": "Northwind Haulage", "email": "fleet@northwind.example", "tags": [TAG],
                                 "customFields": [{"key": "fleet_vehicles", "number": 40},
                                                  {"key": "contract_ends_on", "date": "2026-12-31"}]})

    page.get_by_role("button", name="+ New customer").click()  # the form knows the fields added meanwhile
    form = page.locator("[aria-label='New customer'] form")
    expect(form.locator(f"input[name='{FLEET}']")).to_have_value("5")  # the default
    expect(form.locator("[data-custom-field=fleet_vehicles] .field-hint")).to_have_text("Trucks on the road")
    form.locator("input[name=name]").fill("Bluebird Logistics")
    form.locator("input[name=email]").fill("office@bluebird.example")
    form.locator("input[name=tags]").fill(TAG)
    form.locator(f"input[name='{END}']").fill("1800-01-01")
    form.locator(f"input[name='{FLEET}']").fill("15")
    form.get_by_role("button", name=re.compile("Create")).click()
    expect(form.locator("[data-custom-field=contract_ends_on] .field-error")).to_contain_text("not a plausible date")
    shot_sizes(page, shots, "custom-fields-form")
    phone_shot(page.locator("[data-custom-field=contract_ends_on]"), shots, "custom-fields-form-controls")
    form.locator(f"input[name='{END}']").fill("2027-06-30")
    form.get_by_role("button", name=re.compile("Create")).click()
    expect(page).to_have_url(re.compile(r"/customers/\d+$"))
    small = page.url

    details = page.locator("dl.facts")
    expect(details.locator("dd[data-custom-field=contract_ends_on]")).to_have_text("30 Jun 2027")
    expect(details.locator("dd[data-custom-field=fleet_vehicles]")).to_have_text("15")
    page.get_by_role("button", name="Edit", exact=True).click()
    edit = page.locator("[aria-label='Edit customer'] form")
    expect(edit.locator(f"input[name='{END}']")).to_have_value("2027-06-30")
    edit.locator(f"input[name='{FLEET}']").fill("12")
    edit.get_by_role("button", name="Save changes").click()
    expect(details.locator("dd[data-custom-field=fleet_vehicles]")).to_have_text("12")
    shot_sizes(page, shots, "custom-fields-360")
    phone_shot(details, shots, "custom-fields-360-details")

    page = admin.page(f"/customers?tag={TAG}")
    rows = page.locator("table[aria-label=Customers] tbody tr")
    expect(rows).to_have_count(2)
    chooser = page.get_by_text("Columns", exact=True)
    chooser.click()
    page.locator("input[name='column-cf.contract_ends_on']").check()
    expect(page.locator("table[aria-label=Customers] th")).to_contain_text(["Contract end"])  # the server's answer
    page.locator("input[name='column-cf.fleet_vehicles']").check()
    chooser.click()
    try:
        expect(page.locator("table[aria-label=Customers] th")).to_contain_text(["Contract end", "Fleet size"])
        page.click("th button:has-text('Fleet size')")
        expect(page).to_have_url(re.compile(r"sort=cf\.fleet_vehicles"))
        expect(rows.first).to_contain_text("Bluebird Logistics")
        expect(rows.first).to_contain_text("30 Jun 2027")
        page.click("th button:has-text('Fleet size')")
        expect(page).to_have_url(re.compile(r"dir=desc"))
        expect(rows.first).to_contain_text("Northwind Haulage")
        expect(rows.first.locator("td[data-label='Fleet size']")).to_have_text("40")
        shot_sizes(page, shots, "custom-fields-columns")

        table = exported_csv(admin, page)
    finally:  # this browser remembers the columns: the other tests of this session see the usual ones
        chooser.click()
        page.locator("input[name='column-cf.contract_ends_on']").uncheck()
        # The first answer, as a user sees it, before the next click (two clicks within one render are answered
        # from the first state)
        expect(page.locator("table[aria-label=Customers] th", has_text="Contract end")).to_have_count(0)
        page.locator("input[name='column-cf.fleet_vehicles']").uncheck()
        expect(page.locator("table[aria-label=Customers] th", has_text="Fleet size")).to_have_count(0)
    header, rows_by_name = table[0], {row[0]: row for row in table[1:]}
    assert sorted(rows_by_name) == ["Bluebird Logistics", "Northwind Haulage"]
    end, fleet = header.index("Contract end"), header.index("Fleet size")
    assert (rows_by_name["Bluebird Logistics"][end], rows_by_name["Bluebird Logistics"][fleet]) == ("2027-06-30", "12")
    assert (rows_by_name["Northwind Haulage"][end], rows_by_name["Northwind Haulage"][fleet]) == ("2026-12-31", "40")

    # Marketing reads customers: the values show, the record may not be edited.
    read_only = marketing.page(small.removeprefix(admin.server))
    expect(read_only.locator("dd[data-custom-field=fleet_vehicles]")).to_have_text("12")
    expect(read_only.get_by_role("button", name="Edit", exact=True)).to_have_count(0)


CONTACT = "query($id: ID!) { contact(id: $id) { customFields { key text options } } }"
LEADS = "{ leads(first: 100, search: \"Depot roofs\") { edges { node { customFields { key money { amount currency } } } } } }"


def test_contact_and_lead_forms_carry_their_own_fields(admin: Session, shots: Path) -> None:
    admin.graphql(DEFINE, input={"entity": "CONTACT", "key": "preferred_channel", "label": "Preferred channel",
                                 "type": "SELECT", "options": ["Phone", "Email", "Visit"], "required": True})
    admin.graphql(DEFINE, input={"entity": "CONTACT", "key": "languages", "label": "Languages",
                                 "type": "MULTI_SELECT", "options": ["English", "German", "Polish"]})
    admin.graphql(DEFINE, input={"entity": "LEAD", "key": "budget", "label": "Budget", "type": "MONEY"})

    page = admin.page("/contacts")
    page.get_by_role("button", name="+ New contact").click()
    form = page.get_by_role("dialog", name="New contact")
    form.locator("input[name=name]").fill("Greta Lindqvist")
    form.locator("input[name=email]").fill("greta@lindqvist.example")
    form.locator("button[type=submit]").click()  # the required field is refused under its control
    expect(form.locator("[data-custom-field=preferred_channel] .field-error")).to_contain_text("is required")
    expect(form.locator("[data-custom-field=preferred_channel] .field-required")).to_be_visible()
    form.locator("select[name='customFields.preferred_channel']").select_option("Visit")
    form.locator("input[name='customFields.languages|German']").check()
    form.locator("input[name='customFields.languages|Polish']").check()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/contacts/\d+$"))
    expect(page.locator("dd[data-custom-field=preferred_channel]")).to_have_text("Visit")
    expect(page.locator("dd[data-custom-field=languages]")).to_have_text("German, Polish")
    saved = admin.graphql(CONTACT, id=page.url.rsplit("/", 1)[1])["contact"]["customFields"]
    assert {v["key"]: v["options"] or v["text"] for v in saved} == {"preferred_channel": "Visit",
                                                                    "languages": ["German", "Polish"]}

    page = admin.page("/leads")
    page.click("button:has-text('+ New lead')")
    form = page.get_by_role("dialog", name="New lead")
    form.locator("input[name=title]").fill("Depot roofs")
    form.locator("input[name='customFields.budget']").fill("12500.50")
    form.locator("input[name='customFields.budget|currency']").fill("eur")
    form.locator("button[type=submit]").click()
    panel = page.get_by_role("dialog", name="Lead Depot roofs")
    edit = panel.locator("form[aria-label='Edit lead']")
    expect(edit.locator("input[name='customFields.budget']")).to_have_value("12500.50")
    expect(edit.locator("input[name='customFields.budget|currency']")).to_have_value("EUR")
    shot_sizes(page, shots, "custom-fields-lead")
    [lead] = [e["node"] for e in admin.graphql(LEADS)["leads"]["edges"]]
    assert lead["customFields"] == [{"key": "budget", "money": {"amount": 1250050, "currency": "EUR"}}]
