"""The referral loop in a real browser: a rep's "Your link" on the campaign page, the marketing dashboard's
leaderboard moving live when someone signs up by that link, and the campaign's revenue once the rep wins
the deal made of that lead. Screenshots at 1440 and 390 px."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import (
    DESKTOP,
    LIVE_PER_PAGE,
    PHONE,
    VIEWPORT,
    Session,
    resized,
    shot,
    subscribers,
    wait_for_subscribers,
)

OPEN_CAMPAIGN = """
query { campaigns(first: 1, filter: {status: [ACTIVE], visibility: [PUBLIC]}) { edges { node { id code title } } } }"""
LEAD = """query { leads(first: 20, orderBy: {field: CREATED_AT, direction: DESC}) {
  edges { node { id version title } } } }"""
CONVERT = """mutation($input: ConvertLeadInput!) { convertLead(input: $input) { deal { id version } } }"""
WON = "query { pipelines { stages { id kind } } }"
MOVE = "mutation($input: MoveDealInput!) { moveDeal(input: $input) { stage { kind } } }"


def test_your_link_leaderboard_and_revenue(rep: Session, marketing: Session, head: Session, chromium: Browser,
                                           shots: Path) -> None:
    campaign = marketing.graphql(OPEN_CAMPAIGN)["campaigns"]["edges"][0]["node"]

    mine = rep.page(f"/campaigns/{campaign['id']}")
    link_box = mine.locator("[data-testid=your-link]")
    expect(link_box).to_have_value(re.compile(re.escape(f"{rep.server}/c/{campaign['code']}?ref=") + r"[a-z0-9]{8}$"))
    link = link_box.input_value()
    _shots(mine, shots, "campaign-your-link", "[aria-label='Your link']")

    before = subscribers(marketing.server)
    dashboard = marketing.page(f"/campaigns/{campaign['id']}")
    expect(dashboard.locator("h1")).to_have_text(campaign["title"])
    wait_for_subscribers(marketing.server, before + LIVE_PER_PAGE, dashboard)
    expect(dashboard.locator("[data-testid=your-link]")).to_have_count(0)  # marketing does not sell

    visitor = chromium.new_context(viewport=VIEWPORT)  # anonymous: follows the rep's link
    public = visitor.new_page()
    public.goto(link)
    public.fill("input[name=name]", "Rita Referred")
    public.fill("input[name=email]", "rita.referred@example.org")
    public.check("input[name=consent]")
    public.click("button:has-text('Sign up')")
    board = dashboard.locator("[data-testid=leaderboard]")
    me = rep.graphql("{ me { name } }")["me"]["name"]
    expect(board).to_contain_text(me)  # the rep's name arrives without a reload
    row = board.locator("tbody tr").first
    expect(row.locator("td[data-label=Leads]")).to_have_text("1")
    visitor.close()

    # The rep works the lead: converts it and wins the deal; it is the campaign's revenue.
    lead = next(e["node"] for e in rep.graphql(LEAD)["leads"]["edges"] if e["node"]["title"].startswith("Rita Referred"))
    deal = rep.graphql(CONVERT, input={"id": lead["id"], "version": lead["version"], "amount": 480000,
                                       "newCustomer": {"name": "Rita's Bakery", "email": "rita@bakery.example"}})["convertLead"]["deal"]
    won = next(s["id"] for p in head.graphql(WON)["pipelines"] for s in p["stages"] if s["kind"] == "WON")
    head.graphql(MOVE, input={"id": deal["id"], "version": deal["version"], "stageId": won})
    dashboard.reload()
    expect(dashboard.locator("[data-testid=revenue]")).to_contain_text("4,800")
    expect(board.locator("tbody tr").first.locator("td[data-label=Revenue]")).to_contain_text("4,800")
    _shots(dashboard, shots, "campaign-leaderboard", "[data-testid=leaderboard]")


def _shots(page: Page, shots: Path, name: str, part: str) -> None:
    """The page at 1440 and 390 px, scrolled so that `part` is in view (the stats sit above it)."""
    for suffix, size in (("desktop", DESKTOP), ("phone", PHONE)):
        resized(page, size)
        page.locator(part).scroll_into_view_if_needed()
        shot(page, shots, f"{name}-{suffix}")
    page.set_viewport_size(VIEWPORT)
