"""/duplicates in Chromium: an admin finds two spellings of one company, merges them with a field chosen
from the other record after the preview, and the merged one is archived while the list shows one; the
customer page archives and restores a record."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import Session, shot_sizes

CREATE = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id version } }"
CUSTOMER = "query($id: ID!) { customer(id: $id) { name phone archivedAt mergedIntoId } }"
SEARCH = '{ customers(search: "zephyr quarry") { edges { node { id name } } } }'


def test_an_admin_finds_and_merges_two_customers(admin: Session, shots: Path) -> None:
    first = admin.graphql(CREATE, input={"name": "Zephyr Quarry GmbH", "email": "info@zephyr-quarry.example",
                                         "phone": "+49 30 5550199"})["createCustomer"]
    second = admin.graphql(CREATE, input={"name": "Zephyr Quarry Ltd.", "email": "sales@zephyr-quarry.example",
                                          "phone": "030 5550199", "city": "Berlin"})["createCustomer"]
    page = admin.page("/duplicates")
    group = page.locator(".duplicate-group").filter(has_text="Zephyr Quarry GmbH")
    expect(group).to_contain_text("Zephyr Quarry Ltd.")
    expect(group.locator(".badge-confidence")).to_contain_text("% match")
    shot_sizes(page, shots, "duplicates")

    group.get_by_role("button", name="Review and merge").click()
    dialog = page.get_by_role("dialog", name="Merge records")
    expect(dialog.locator("[data-testid=merge-moves]")).to_be_visible()
    dialog.get_by_role("radio", name="name: Zephyr Quarry Ltd. (Zephyr Quarry Ltd.)").check()
    expect(dialog.locator(".merge-preview dd").first).to_have_text("Zephyr Quarry Ltd.")
    expect(dialog.locator(".merge-preview")).to_contain_text("Berlin")  # empty on the kept one: taken over
    shot_sizes(page, shots, "merge-dialog")
    dialog.get_by_role("button", name="Merge 2 records").click()
    expect(page.locator("[role=status]").filter(has_text="Merged 2 records")).to_be_visible()
    expect(page.locator(".duplicate-group").filter(has_text="Zephyr Quarry")).to_have_count(0)

    kept = admin.graphql(CUSTOMER, id=first["id"])["customer"]
    gone = admin.graphql(CUSTOMER, id=second["id"])["customer"]
    assert (kept["name"], kept["archivedAt"]) == ("Zephyr Quarry Ltd.", None)
    assert gone["archivedAt"] and gone["mergedIntoId"] == first["id"]
    assert [e["node"]["id"] for e in admin.graphql(SEARCH)["customers"]["edges"]] == [first["id"]]

    base = page.url.split("/duplicates")[0]
    page.goto(f"{base}/customers?q=zephyr")
    expect(page.locator(f"a[href='/customers/{first['id']}']").first).to_be_visible()
    expect(page.locator(f"a[href='/customers/{second['id']}']")).to_have_count(0)

    page.goto(f"{base}/customers/{second['id']}")
    expect(page.locator(".notice-warn")).to_contain_text("Merged on")
    hero = page.locator(".hero")
    for control in ("Edit", "Change status", "+ Log activity", "Archive", "Restore"):  # a merged record is read-only
        expect(hero.get_by_role("button", name=control, exact=True)).to_have_count(0)
    page.click(".notice-warn a")
    expect(page).to_have_url(re.compile(rf"/customers/{first['id']}$"))
    page.get_by_role("button", name="Archive").click()
    expect(page.locator(".notice-warn")).to_contain_text("Archived on")
    expect(page.locator(".hero").get_by_role("button", name="Edit", exact=True)).to_have_count(0)  # restore first
    shot_sizes(page, shots, "customer-archived")
    page.get_by_role("button", name="Restore").click()
    expect(page.locator(".notice-warn")).to_have_count(0)
    expect(page.locator(".hero").get_by_role("button", name="Edit", exact=True)).to_be_visible()
