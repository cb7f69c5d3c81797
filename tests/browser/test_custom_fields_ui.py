"""Admin → Custom fields in a real browser: an admin adds a date and a number field to customers (a bad key
is refused at its field), renames one, archives and restores another; a sales rep is refused the section."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import Session, shot_sizes

DEFINITIONS = "{ customFields(entity: CUSTOMER, includeArchived: true) { key label type archived } }"


def test_an_admin_adds_archives_and_restores_custom_fields(admin: Session, shots: Path) -> None:
    page = admin.page("/admin/custom-fields")
    expect(page.locator(".admin-tabs .tab.active")).to_have_text("Custom fields")
    form = page.locator("form[aria-label='New custom field']")
    form.locator("input[name=label]").fill("Contract end")
    form.locator("input[name=key]").fill("Contract End")
    form.locator("select[name=type]").select_option("DATE")
    form.get_by_role("button", name="Add field").click()
    expect(form.locator(".field-error")).to_contain_text("lower_snake")
    form.locator("input[name=key]").fill("contract_end")
    form.get_by_role("button", name="Add field").click()
    table = page.locator("table[aria-label='Custom fields']")
    expect(table.locator("tr[data-field='contract_end']")).to_contain_text("Date")

    form = page.locator("form[aria-label='New custom field']")  # a fresh form after each field
    form.locator("input[name=label]").fill("Fleet size")
    form.locator("input[name=key]").fill("fleet_size")
    form.locator("select[name=type]").select_option("NUMBER")
    form.get_by_role("button", name="Add field").click()
    fleet = table.locator("tr[data-field='fleet_size']")
    expect(fleet).to_contain_text("Number")
    shot_sizes(page, shots, "admin-custom-fields")

    fleet.get_by_role("button", name="Archive Fleet size").click()
    expect(table.locator("tr[data-field='fleet_size'] .badge")).to_have_text("Archived")
    defined = {d["key"]: d for d in admin.graphql(DEFINITIONS)["customFields"]}
    assert (defined["contract_end"]["type"], defined["fleet_size"]["archived"]) == ("DATE", True)
    table.locator("tr[data-field='fleet_size']").get_by_role("button", name="Restore Fleet size").click()
    expect(table.locator("tr[data-field='fleet_size'] .badge")).to_have_count(0)

    table.locator("tr[data-field='contract_end']").get_by_role("button", name="Edit Contract end").click()
    edit = page.locator("form[aria-label='Edit Contract end']")
    edit.locator("input[name=label]").fill("Contract ends")
    edit.get_by_role("button", name="Save").click()
    expect(table.locator("tr[data-field='contract_end']")).to_contain_text("Contract ends")

    # Another entity's fields in their place (other tests of this server may have given contacts some, archived
    # ones included: the admin list shows those too).
    page.locator("select[name=entity]").select_option("CONTACT")
    expect(page.locator("tr[data-field='contract_end']")).to_have_count(0)
    of_contacts = admin.graphql("{ customFields(entity: CONTACT, includeArchived: true) { key } }")["customFields"]
    if of_contacts:
        for definition in of_contacts:
            expect(page.locator(f"tr[data-field='{definition['key']}']")).to_have_count(1)
    else:
        expect(page.get_by_text("No custom fields on contacts yet.")).to_be_visible()


def test_a_sales_rep_may_not_define_custom_fields(rep: Session) -> None:
    page = rep.page("/admin/custom-fields")
    expect(page.get_by_role("alert")).to_contain_text("Not allowed: The Custom fields section is for administrators")
    expect(page.locator("form[aria-label='New custom field']")).to_have_count(0)
