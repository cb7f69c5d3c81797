"""/dashboard in Chromium: every role lands on its own dashboard at `/` (photographed on a desktop and a phone),
and a sales head sets a rep's quota on it and watches the rep's revenue and attainment move, live, when the rep
wins a deal in another browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from frontend import format as fmt
from frontend.components.dashboard_sales import forecast_hint
from tests.browser.helpers import Session, shot_sizes

FIGURE = {  # a figure each role's section shows
    "rep": "[data-figure=forecast-month]",
    "head": "table.dash-reps",
    "support": "[data-figure=conversions]",
    "marketing": "section[aria-label='Campaigns side by side']",
    "admin": "[data-figure=users]",
}
# The sections each role gets: a head has a desk of their own too, an admin sees every salesperson and desk.
SECTIONS = {"rep": {"rep"}, "head": {"head", "rep"}, "support": {"support"}, "marketing": {"marketing"},
            "admin": {"admin", "head", "support", "marketing"}}
REPS = "{ dashboard { team { reps { user { id name email } won { amount } quota { attainment } } } } }"
OPEN_DEALS = """query($me: ID!) { deals(first: 100, filter: {ownerId: [$me], stageKind: [OPEN]}) {
  edges { node { id version amount { amount currency } pipeline { stages { id kind } } } } } }"""
LABELS_OUTSIDE = """() => [...document.querySelectorAll('svg.bar-chart .bar-label')]
  .filter(label => label.getBBox().x < 0).map(label => label.textContent)"""
MOVE = "mutation($input: MoveDealInput!) { moveDeal(input: $input) { id stage { kind } } }"


@pytest.mark.parametrize("role", list(FIGURE))
def test_each_role_lands_on_its_dashboard(role: str, request: pytest.FixtureRequest, shots: Path) -> None:
    session: Session = request.getfixturevalue(role)
    page = session.page("/")
    expect(page.locator("h1")).to_contain_text("Hello")
    expect(page.locator(FIGURE[role]).first).to_be_visible()
    for other, selector in FIGURE.items():
        if other not in SECTIONS[role]:
            expect(page.locator(selector)).to_have_count(0)
    expect(page.locator("nav").get_by_role("link", name="Dashboard")).to_be_visible()
    # Every bar's label stays inside its chart: a long campaign name once ran past the left edge.
    assert page.evaluate(LABELS_OUTSIDE) == []
    shot_sizes(page, shots, f"dashboard-{role}")


def test_a_reps_forecast_counts_this_months_wins_and_says_so(rep: Session) -> None:
    forecast = rep.graphql("{ dashboard { rep { forecast { won { amount currency } weighted { amount currency } "
                           "open { amount currency } count expected { amount currency } } } } }")
    month = forecast["dashboard"]["rep"]["forecast"][0]
    page = rep.page("/dashboard")
    headline = page.locator("[data-figure=forecast-month]")
    expect(headline).to_have_text(fmt.money(month["expected"]))
    hint = page.locator(".stat", has=headline).locator(".stat-hint")
    expect(hint).to_have_text(forecast_hint(month))
    expect(hint).to_contain_text(" won · ")
    expect(hint).to_contain_text(" weighted open ")


def test_a_figure_opens_the_list_behind_it(rep: Session) -> None:
    page = rep.page("/dashboard")
    expect(page.locator("html[data-keys=bound]")).to_have_count(1)  # the router's script is listening
    figure = page.locator("[data-figure=tasks-overdue]")
    expect(figure).to_be_visible()
    figure.click()
    page.wait_for_url("**/tasks?view=overdue")
    expect(page.locator("h1")).to_contain_text("Tasks")


def test_a_head_sets_a_quota_and_sees_it_move_as_a_rep_wins(head: Session, rep: Session, shots: Path) -> None:
    me = rep.graphql("{ me { id name } }")["me"]
    page = head.page("/dashboard")
    row = page.locator(f"tr[data-rep='{me['name']}']")
    expect(row).to_be_visible()
    row.get_by_role("button", name="Set quota").click()
    form = page.get_by_role("form", name=f"Quota of {me['name']}")
    form.locator("input[name=amount]").fill("1000000")
    form.get_by_role("button", name="Save quota").click()
    expect(form).to_have_count(0)
    quota = row.locator(f"[data-attainment='{me['name']}']")
    expect(quota).to_contain_text("of EUR 1,000,000")

    before = next(r for r in head.graphql(REPS)["dashboard"]["team"]["reps"] if r["user"]["id"] == me["id"])
    # A deal with an amount in the base currency (other browser tests leave deals without one behind).
    deal = next(e["node"] for e in rep.graphql(OPEN_DEALS, me=me["id"])["deals"]["edges"]
                if e["node"]["amount"] and e["node"]["amount"]["currency"] == "EUR" and e["node"]["amount"]["amount"] > 0)
    won = next(s["id"] for s in deal["pipeline"]["stages"] if s["kind"] == "WON")
    rep.graphql(MOVE, input={"id": deal["id"], "version": deal["version"], "stageId": won})  # the rep, elsewhere
    after = next(r for r in head.graphql(REPS)["dashboard"]["team"]["reps"] if r["user"]["id"] == me["id"])
    assert after["won"]["amount"] > before["won"]["amount"]
    shown = f"EUR {after['won']['amount'] / 100:,.0f}"
    expect(row.locator(f"[data-won='{me['name']}']")).to_have_text(shown)  # live: no reload
    expect(quota).to_contain_text(f"{after['quota']['attainment']:.0%}")
    shot_sizes(page, shots, "dashboard-head-quota")
