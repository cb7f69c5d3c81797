"""Campaigns in a real browser: the list, editing a campaign, and the live dashboard ticking up while
anonymous visitors like and enrol on the public page."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.helpers import (
    LIVE_PER_PAGE,
    VIEWPORT,
    Session,
    shot,
    subscribers,
    wait_for_subscribers,
)

OPEN_CAMPAIGN = """
query { campaigns(first: 1, filter: {status: [ACTIVE], visibility: [PUBLIC]}) { edges { node { id code title } } } }"""


def test_campaign_list_and_editor(marketing: Session, shots: Path) -> None:
    page = marketing.page("/campaigns")
    rows = page.locator("table[aria-label=Campaigns] tbody tr")
    expect(rows.first).to_be_visible()
    shot(page, shots, "campaigns")
    page.evaluate("window.__sameDocument = true")
    rows.filter(has_not_text="Discarded").first.locator("a").click()
    expect(page).to_have_url(re.compile(r"/campaigns/\d+$"))

    editor = page.locator("[aria-label='Edit campaign'] form")
    editor.locator("textarea[name=description]").fill("Spring offer: 20 % off maintenance contracts.")
    editor.locator("button[type=submit]").click()
    expect(page.locator("[aria-label='Edit campaign'] .notice-ok")).to_have_text("Saved.")
    expect(page.locator("[aria-label='Edit campaign'] textarea[name=description]")).to_have_value(
        "Spring offer: 20 % off maintenance contracts.")

    editor = page.locator("[aria-label='Edit campaign'] form")
    editor.locator("input[name=title]").fill("")
    editor.locator("button[type=submit]").click()
    title = editor.locator("label.field", has=page.locator("input[name=title]"))
    expect(title.locator(".field-error")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True


def test_dashboard_ticks_up_with_public_likes_and_enrolments(
    marketing: Session, chromium: Browser, shots: Path
) -> None:
    campaign = marketing.graphql(OPEN_CAMPAIGN)["campaigns"]["edges"][0]["node"]
    before = subscribers(marketing.server)
    dashboard = marketing.page(f"/campaigns/{campaign['id']}")
    expect(dashboard.locator("h1")).to_have_text(campaign["title"])
    wait_for_subscribers(marketing.server, before + LIVE_PER_PAGE, dashboard)
    likes = int(dashboard.locator("[data-testid=likes]").inner_text().replace(",", ""))
    enrolments = int(dashboard.locator("[data-testid=enrolments]").inner_text().replace(",", ""))

    visitor = chromium.new_context(viewport=VIEWPORT)  # anonymous: no CRM session
    public = visitor.new_page()
    public.goto(f"{marketing.server}/c/{campaign['code']}")
    public.click("button:has-text('Like')")
    expect(dashboard.locator("[data-testid=likes]")).to_have_text(f"{likes + 1:,}")

    public.goto(f"{marketing.server}/c/{campaign['code']}")
    public.fill("input[name=name]", "Petra Public")
    public.fill("input[name=email]", "petra.public@example.org")
    public.check("input[name=consent]")
    public.click("button:has-text('Sign up')")
    expect(dashboard.locator("[data-testid=enrolments]")).to_have_text(f"{enrolments + 1:,}")
    expect(dashboard.locator("[aria-label='Latest enrolments']")).to_contain_text("Petra Public")
    shot(dashboard, shots, "campaign-dashboard", full_page=True)
    visitor.close()


def test_create_a_campaign_and_take_it_live(marketing: Session) -> None:
    page = marketing.page("/campaigns")
    page.click("button:has-text('New campaign')")
    form = page.locator("[aria-label='New campaign'] form")
    form.locator("input[name=title]").fill("Autumn service webinar")
    form.locator("select[name=visibility]").select_option("public")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/campaigns/\d+$"))
    expect(page.locator(".hero .badge")).to_have_text("Draft")
    page.click(".hero button:has-text('Mark ready')")
    expect(page.locator(".hero .badge")).to_have_text("New")
    page.click(".hero button:has-text('Activate')")
    expect(page.locator(".hero .badge")).to_have_text("Active")
    expect(page.locator("a:has-text('Open page')")).to_be_visible()
    expect(page.locator("textarea[aria-label='Embed snippet']")).to_have_value(re.compile(r"<iframe .*/embed"))
    expect(page.locator("input[name=code]")).to_be_disabled()
