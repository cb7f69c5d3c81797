"""Relationship phase in a real browser: a rep moves a customer through the phases on the 360 page (seen live
on the board in another page) and on the board, and reads the history; a role that may not edit the customer
gets no control; an admin adds a high-level status, which the customer forms then offer."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.helpers import Session, shot_sizes, subscribers, wait_for_subscribers

MANAGED = """{ me { id } customers(first: 100, orderBy: {field: NAME}) {
  edges { node { id name phase allowedActions accountManager { id } } } } }"""


def managed_customer(rep: Session) -> dict:
    """A customer the rep manages (so may move), not archived yet."""
    data = rep.graphql(MANAGED)
    return next(e["node"] for e in data["customers"]["edges"]
                if e["node"]["accountManager"] and e["node"]["accountManager"]["id"] == data["me"]["id"]
                and e["node"]["phase"] not in ("PAUSED", "ARCHIVED"))


def card(page: Page, phase: str, name: str):
    return page.locator(f"section[data-phase={phase}] .relationship-card[data-customer='{name}']")


def test_a_rep_moves_a_customer_through_the_phases_on_the_360_page_and_the_board(rep: Session, shots: Path) -> None:
    customer = managed_customer(rep)
    name, start = customer["name"], customer["phase"]
    forward = "ACTIVE" if start != "ACTIVE" else "EXPLORING"

    before = subscribers(rep.server)
    board = rep.page("/relationships")
    expect(card(board, start, name)).to_be_visible()
    wait_for_subscribers(rep.server, before + board.locator(".relationship-card").count(), board)  # cards are live

    page = rep.page(f"/customers/{customer['id']}")
    control = page.locator("form[aria-label='Move phase']")
    control.locator("select[name=phase]").select_option(forward)
    control.locator("button[type=submit]").click()
    history = page.locator("[aria-label='Phase history'] li")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text(forward.capitalize())
    expect(card(board, forward, name)).to_be_visible()  # the board in the other page heard it

    page.locator("form[aria-label='Move phase'] select[name=phase]").select_option("PAUSED")
    page.locator("form[aria-label='Move phase'] button[type=submit]").click()
    expect(page.locator("form[aria-label='Move phase'] .field-error")).to_contain_text("Say why")
    page.locator("form[aria-label='Move phase'] input[name=why]").fill("Budget freeze until the autumn")
    page.locator("form[aria-label='Move phase'] button[type=submit]").click()
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Budget freeze until the autumn")
    expect(history.first).to_contain_text("Paused")
    expect(page.locator(".relationship h2 .badge")).to_have_text("Paused")
    shot_sizes(page, shots, "relationship-360")

    moved = card(board, "PAUSED", name)
    expect(moved).to_be_visible()
    moved.locator("select[name=phase]").select_option("ACTIVE" if forward != "ACTIVE" else "EXPLORING")
    back = "ACTIVE" if forward != "ACTIVE" else "EXPLORING"
    expect(card(board, back, name)).to_be_visible()
    card(board, back, name).locator("select[name=phase]").select_option("ARCHIVED")
    why = card(board, back, name).locator("form.why-form")
    why.locator("button[type=submit]").click()
    expect(why.locator(".field-error")).to_contain_text("Say why")
    why.locator("input[name=why]").fill("Chose to build it in-house")
    why.locator("button[type=submit]").click()
    expect(card(board, "ARCHIVED", name)).to_be_visible()
    shot_sizes(board, shots, "relationships-board")

    expect(history).to_have_count(4)  # the 360 page follows the board's moves live too
    expect(history.first).to_contain_text("Chose to build it in-house")

    listed = rep.page("/customers?phase=archived")
    expect(listed.locator("select[aria-label=Phase]")).to_have_value("archived")
    expect(listed.locator("tbody tr")).to_have_count(1)
    expect(listed.locator("tbody tr td[data-label=Phase]")).to_have_text("Archived")
    shot_sizes(listed, shots, "customers-by-phase")


def test_a_role_that_may_not_edit_the_customer_gets_no_phase_control(marketing: Session, rep: Session) -> None:
    customer = managed_customer(rep)
    board = marketing.page("/relationships")
    expect(board.locator(".relationship-card").first).to_be_visible()
    expect(board.locator(".relationship-card select")).to_have_count(0)
    page = marketing.page(f"/customers/{customer['id']}")
    expect(page.locator(".relationship h2")).to_be_visible()
    expect(page.locator("form[aria-label='Move phase']")).to_have_count(0)


def test_an_admin_adds_a_high_level_status_that_the_forms_then_offer(admin: Session, rep: Session,
                                                                     shots: Path) -> None:
    page = admin.page("/admin/pick-lists")
    rows = page.locator("li[data-status]")
    expect(rows).to_have_count(3)
    page.locator("section[aria-label='High-level statuses'] form.form-row input[name=label]").fill("Strategic partnr")
    page.locator("button:has-text('Add status')").click()
    expect(rows).to_have_count(4)
    rows.last.locator("button:has-text('Rename')").click()  # the typo, mended in place
    rows.last.locator("input[name=label]").fill("Strategic partner")
    rows.last.locator("button:has-text('Save')").click()
    expect(rows.last).to_have_attribute("data-status", "Strategic partner")
    rows.last.locator("button[aria-label='Move up']").click()
    expect(rows.nth(2)).to_have_attribute("data-status", "Strategic partner")
    page.locator("li[data-status='Dormant'] button:has-text('Archive')").click()
    expect(page.locator("li[data-status='Dormant'] .badge")).to_have_text("Archived")
    shot_sizes(page, shots, "admin-high-level-statuses")

    customer = managed_customer(rep)
    edit = rep.page(f"/customers/{customer['id']}")
    edit.get_by_role("button", name="Edit", exact=True).click()
    offered = edit.locator("select[name=highLevelStatusId] option")
    expect(offered).to_have_text(["None", "Key account", "Curious but cautious", "Strategic partner"])
    edit.locator("select[name=highLevelStatusId]").select_option(label="Strategic partner")
    edit.click("button:has-text('Save changes')")
    expect(edit.locator(".stat", has_text="High-level status")).to_contain_text("Strategic partner")

    refused = rep.page("/admin/pick-lists")
    expect(refused.locator("[role=alert]")).to_contain_text("Not allowed")
