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
