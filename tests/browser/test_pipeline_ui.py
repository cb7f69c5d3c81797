"""The pipeline board in a real browser: columns with totals and the weighted forecast, moving a card to
another stage, and a second page seeing the move live without a reload."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import (
    LIVE_PER_PAGE,
    Session,
    shot,
    subscribers,
    wait_for_subscribers,
)


def test_a_moved_deal_moves_in_the_other_page_too(head: Session, shots: Path) -> None:
    watcher = head.page("/pipeline")
    expect(watcher.locator("[data-testid=forecast]")).to_contain_text("weighted forecast")
    before = subscribers(head.server)
    mover = head.page("/pipeline")
    wait_for_subscribers(head.server, before + LIVE_PER_PAGE, mover)
    watcher.evaluate("window.__sameDocument = true")

    source = mover.locator("section[data-stage='New']")
    card = source.locator(".deal", has=mover.locator("select")).first
    deal_id = card.get_attribute("data-deal")
    title = card.locator(".deal-title").inner_text()
    count = int(source.locator("[data-testid=stage-count]").inner_text())
    shot(mover, shots, "pipeline")

    card.locator("select").select_option(label="→ Qualified")
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
    wait_for_subscribers(head.server, LIVE_PER_PAGE, board)
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
