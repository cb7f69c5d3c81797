"""A page whose parent and child components re-render together keeps every part on screen: activities
logged one after another on a customer's page each appear in the overview at once (the page reloads the
customer while the overview reloads the timeline). Under ReactPy 2.0's concurrent rendering both renders
unmounted the same old entry, the second raised, and the overview tab went blank (frontend/serial_render.py);
the server's log is checked for render failures after every browser test (conftest.py)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import Session

IN_A_ROW = 15


def test_activities_logged_in_a_row_each_appear_in_the_overview(rep: Session) -> None:
    customer = rep.graphql("query { customers(first: 1) { edges { node { id name } } } }")["customers"]["edges"][0]["node"]
    page = rep.page(f"/customers/{customer['id']}")
    expect(page.locator("h1")).to_have_text(customer["name"])
    latest = page.locator(".card", has=page.get_by_role("heading", name="Latest activities"))
    for call in range(1, IN_A_ROW + 1):
        page.get_by_role("button", name="+ Log activity").click()
        form = page.locator("[aria-label='Log activity'] form")
        form.locator("select[name=kind]").select_option("call")
        form.locator("input[name=title]").fill(f"Follow-up call {call}")
        form.locator("select[name=outcome]").select_option("Positive")
        form.locator("button[type=submit]").click()
        logged = latest.locator("li.activity", has=page.locator(".activity-title", has_text=f"Follow-up call {call}"))
        expect(logged.locator(".badge").first).to_have_text("Positive")
    expect(page.get_by_role("heading", name="About")).to_be_visible()
