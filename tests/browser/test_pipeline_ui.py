"""The pipeline board in a real browser: columns with totals and the weighted forecast, moving a card to
another stage, a second page seeing the move live without a reload, the cards around a moved one, and
the dialogs that close a deal as won or lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.helpers import (
    LIVE_PER_PAGE,
    Session,
    shot,
    subscribers,
    wait_for_subscribers,
)

BOARD_LIVE = LIVE_PER_PAGE + 1  # the bell, deals, and pipelines (an admin's stage changes)


def test_a_moved_deal_moves_in_the_other_page_too(head: Session, shots: Path) -> None:
    watcher = head.page("/pipeline")
    expect(watcher.locator("[data-testid=forecast]")).to_contain_text("weighted forecast")
    before = subscribers(head.server)
    mover = head.page("/pipeline")
    wait_for_subscribers(head.server, before + BOARD_LIVE, mover)
    watcher.evaluate("window.__sameDocument = true")

    source = mover.locator("section[data-stage='New']")
    card = source.locator(".deal", has=mover.locator("select")).first
    deal_id = card.get_attribute("data-deal")
    title = card.locator(".deal-title").inner_text()
    count = int(source.locator("[data-testid=stage-count]").inner_text())
    shot(mover, shots, "pipeline")

    card.locator("select").select_option(label="Move to Qualified")
    for page in (mover, watcher):
        moved = page.locator(f"section[data-stage='Qualified'] [data-deal='{deal_id}']")
        expect(moved).to_be_visible()
        expect(moved.locator(".deal-title")).to_have_text(title)
        expect(page.locator(f"section[data-stage='New'] [data-deal='{deal_id}']")).to_have_count(0)
        expect(page.locator("section[data-stage='New'] [data-testid=stage-count]")).to_have_text(str(count - 1))
    assert watcher.evaluate("window.__sameDocument") is True


def test_a_deal_reassigned_out_of_the_teams_view_leaves_the_open_board(head: Session, admin: Session) -> None:
    users = [e["node"] for e in admin.graphql("{ users(first: 100) { edges { node { id email } } } }")["users"]["edges"]]
    rep, rep2 = (next(u["id"] for u in users if u["email"] == email) for email in ("rep@example.com", "rep2@example.com"))
    customer = admin.graphql(
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id version } }",
        input={"name": "Leaving North GmbH", "email": "leaving@north.example", "accountManagerId": rep},
    )["createCustomer"]
    board = head.page("/pipeline")
    wait_for_subscribers(head.server, BOARD_LIVE, board)
    deal = admin.graphql(
        "mutation($input: CreateDealInput!) { createDeal(input: $input) { id } }",
        input={"customerId": customer["id"], "title": "Leaving deal", "amount": 9_000_000_000},
    )["createDeal"]
    card = board.locator(f"[data-deal='{deal['id']}']")
    expect(card).to_be_visible()  # created: North sees it through its member, the account manager
    admin.graphql(
        "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }",
        input={"id": customer["id"], "version": customer["version"], "accountManagerId": rep2},
    )
    expect(card).to_have_count(0)  # managed by South now: gone from North's board without a reload


def movable_cards(page: Page, stage: str) -> Locator:
    return page.locator(f"section[data-stage='{stage}'] .deal", has=page.locator("select"))


def test_the_card_that_takes_a_moved_cards_place_shows_its_own_stage(head: Session) -> None:
    page = head.page("/pipeline")
    cards = movable_cards(page, "New")
    expect(cards.nth(1)).to_be_visible()
    moved_id, next_id = cards.nth(0).get_attribute("data-deal"), cards.nth(1).get_attribute("data-deal")
    cards.nth(0).locator("select").select_option(label="Move to Qualified")
    expect(page.locator(f"section[data-stage='Qualified'] [data-deal='{moved_id}']")).to_be_visible()
    expect(cards.nth(0)).to_have_attribute("data-deal", next_id)  # it slid into the moved card's place
    expect(cards.nth(0).locator("select option:checked")).to_have_text("New")


def test_a_failed_move_puts_the_select_back_and_says_why(head: Session, data_dir: Path) -> None:
    page = head.page("/pipeline")
    card = movable_cards(page, "New").first
    deal_id = card.get_attribute("data-deal")
    # A write this board did not hear of (straight into the database): its version of the deal is stale now.
    with sqlite3.connect(data_dir / "crm.sqlite3") as db:
        db.execute("UPDATE deal SET version = version + 1 WHERE id = ?", (int(deal_id or 0),))
        (version,) = db.execute("SELECT version FROM deal WHERE id = ?", (int(deal_id or 0),)).fetchone()
    card.locator("select").select_option(label="Move to Qualified")
    here = page.locator(f"section[data-stage='New'] [data-deal='{deal_id}']")
    expect(here.locator("[role=alert]")).to_contain_text("Someone else changed this")
    expect(here.locator("select option:checked")).to_have_text("New")  # not left on the refused choice
    expect(page.locator(f"section[data-stage='Qualified'] [data-deal='{deal_id}']")).to_have_count(0)
    expect(here).to_have_attribute("data-version", str(version))  # the board reloaded the deal as it is now
    here.locator("select").select_option(label="Move to Qualified")  # so a retry works
    expect(page.locator(f"section[data-stage='Qualified'] [data-deal='{deal_id}']")).to_be_visible()


def close_a_new_deal(page: Page, outcome: str) -> tuple[str | None, str, Locator]:
    """Pick "Move to Won" or "Move to Lost" on the first movable card in New: its id, title and the dialog that opens."""
    card = movable_cards(page, "New").first
    deal_id = card.get_attribute("data-deal")
    title = card.locator(".deal-title").inner_text()
    card.locator("select").select_option(label=f"Move to {outcome}")
    return deal_id, title, page.get_by_role("dialog", name=f"Mark {title} as {outcome.lower()}")


def test_a_lost_deal_needs_its_reason_and_cancel_puts_the_card_back(head: Session, shots: Path) -> None:
    page = head.page("/pipeline")
    deal_id, _, dialog = close_a_new_deal(page, "Lost")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Mark as lost").click()
    # The admins' list is offered first (free text alone still works, below): the error sits under it.
    reason = dialog.locator("label.field", has=page.locator("[name=lostReasonId]"))
    expect(reason.locator(".field-error")).to_have_text("A reason is required to mark the deal lost.")
    shot(page, shots, "pipeline-lost-reason")
    dialog.locator("[name=lostReason]").press("Escape")  # or Cancel
    expect(dialog).to_have_count(0)
    here = page.locator(f"section[data-stage='New'] [data-deal='{deal_id}']")
    expect(here.locator("select option:checked")).to_have_text("New")  # not left on the refused choice

    here.locator("select").select_option(label="Move to Lost")
    dialog.locator("[name=lostReason]").fill("Chose a cheaper competitor")
    dialog.get_by_role("button", name="Mark as lost").click()
    expect(dialog).to_have_count(0)
    page.locator("section[data-stage='Lost']").get_by_role("button", name="Show").click()  # folded until opened
    expect(page.locator(f"section[data-stage='Lost'] [data-deal='{deal_id}']")).to_be_visible()
    deal = head.graphql("query($id: ID!) { deal(id: $id) { lostReason stage { name } } }", id=deal_id)["deal"]
    assert deal == {"lostReason": "Chose a cheaper competitor", "stage": {"name": "Lost"}}


def test_the_close_dialogs_take_focus_and_close_with_escape_or_a_click_outside(head: Session, shots: Path) -> None:
    page = head.page("/pipeline")
    for outcome in ("Won", "Lost"):
        deal_id, _, dialog = close_a_new_deal(page, outcome)
        expect(dialog).to_be_visible()
        focused = dialog.locator(":focus")
        expect(focused).to_have_count(1)  # focus is in the dialog, not on the board behind it
        expect(focused).to_have_text(f"Mark as {outcome.lower()}")
        if outcome == "Won":
            shot(page, shots, "pipeline-won-dialog")
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
        here = page.locator(f"section[data-stage='New'] [data-deal='{deal_id}']")
        expect(here.locator("select option:checked")).to_have_text("New")
        here.locator("select").select_option(label=f"Move to {outcome}")
        expect(dialog).to_be_visible()
        page.mouse.click(5, 5)  # the backdrop, outside the dialog
        expect(dialog).to_have_count(0)
        expect(here.locator("select option:checked")).to_have_text("New")


def test_a_won_deal_is_confirmed_first(head: Session) -> None:
    page = head.page("/pipeline")
    deal_id, title, dialog = close_a_new_deal(page, "Won")
    expect(dialog).to_contain_text(title)
    dialog.get_by_role("button", name="Mark as won").click()
    expect(dialog).to_have_count(0)
    page.locator("section[data-stage='Won']").get_by_role("button", name="Show").click()  # folded until opened
    expect(page.locator(f"section[data-stage='Won'] [data-deal='{deal_id}']")).to_be_visible()
    expect(dialog).to_have_count(0)
