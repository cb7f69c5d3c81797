"""The audit log reads as people write (an amount as €1,250.00, an owner as a named link, the record by its
name), and the top bar's search leaves archived records out unless an admin asks for them."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import Session, shot_sizes

DEAL = "{ deals(first: 1) { edges { node { id version title owner { id name } customer { id } } } } }"
UPDATE = "mutation($input: UpdateDealInput!) { updateDeal(input: $input) { id version } }"
USERS = "{ users(first: 100) { edges { node { id name email } } } }"


def test_the_audit_log_shows_amounts_with_their_currency_and_people_by_name(admin: Session, shots: Path) -> None:
    deal = admin.graphql(DEAL)["deals"]["edges"][0]["node"]
    people = [u["node"] for u in admin.graphql(USERS)["users"]["edges"]]
    other = next(u for u in people if u["id"] != (deal["owner"] or {}).get("id") and u["email"].startswith("rep"))
    admin.graphql(UPDATE, input={"id": deal["id"], "version": deal["version"], "amount": 125000, "currency": "EUR",
                                 "ownerId": other["id"]})
    page = admin.page("/admin/audit")
    page.locator("select[name=entity]").select_option("deal")
    latest = page.locator("table[aria-label='Audit log'] tbody tr").first
    expect(latest).to_contain_text("deal.update")
    expect(latest).to_contain_text("€1,250.00")  # not 125000
    expect(latest.get_by_role("link", name=other["name"])).to_be_visible()  # the new owner, by name, linked
    expect(latest.get_by_role("link", name=f"Deal {deal['title']}")).to_have_attribute("href", f"/deals/{deal['id']}")
    shot_sizes(page, shots, "audit-log-formatted")


def test_search_leaves_archived_customers_out_unless_an_admin_asks(admin: Session, shots: Path) -> None:
    name = f"Shelved {uuid.uuid4().hex[:6]}"
    made = admin.graphql("mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id version } }",
                         input={"name": name, "email": f"{name.split()[1]}@shelved.example"})["createCustomer"]
    admin.graphql("mutation($input: ArchiveInput!) { archiveCustomer(input: $input) { id } }",
                  input={"id": made["id"], "version": made["version"]})
    page = admin.page("/customers")
    box = page.locator("input[data-global-search]")
    box.fill(name)
    results = page.locator(".search-results")
    expect(results).to_contain_text("Nothing matches")
    page.locator("input[data-search-archived]").check()
    archived = results.get_by_role("group", name="Archived customers")
    expect(archived).to_contain_text(name)
    shot_sizes(page, shots, "search-archived")
