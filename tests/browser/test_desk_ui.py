"""The support desk around the queue in Chromium: support's dashboard shows the demo's tickets in figures, each a
link to the queue filtered, and follows a new ticket live; the customer's timeline shows its tickets opened and
resolved; a rep's dashboard follows a quota the head sets elsewhere, live."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    VIEWPORT,
    Session,
    resized,
    shot,
    shot_sizes,
    subscribers,
    wait_for_subscribers,
)

DASHBOARD_LIVE = 5  # the bell, and the dashboard's deals, quotas, contacts and tickets
FIGURES = "{ ticketSummary { open breachingSoon } }"
CREATE = "mutation($input: CreateTicketInput!) { createTicket(input: $input) { id number } }"
CUSTOMERS = "{ customers(first: 1) { edges { node { id } } } }"
RESOLVED = """{ tickets(first: 1, filter: {status: [RESOLVED, CLOSED]}) {
  edges { node { id number subject customer { id } } } } }"""
SET = "mutation($input: SetQuotaInput!) { setQuota(input: $input) { id } }"


def _quarter_start() -> str:
    today = datetime.now(UTC).date()
    return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1).isoformat()


def test_support_sees_the_tickets_on_the_dashboard_live(support: Session, shots: Path) -> None:
    figures = support.graphql(FIGURES)["ticketSummary"]
    assert figures["open"] >= 4 and figures["breachingSoon"] >= 1  # the demo's queue
    before = subscribers(support.server)
    page = support.page("/")
    opened = page.locator("[data-figure=tickets-open]")
    expect(opened).to_have_text(str(figures["open"]))
    expect(page.locator("[data-figure=tickets-soon]")).to_have_text(str(figures["breachingSoon"]))
    expect(page.locator("[data-figure=tickets-satisfaction]")).to_contain_text("/ 5")
    wait_for_subscribers(support.server, before + DASHBOARD_LIVE, page)
    shot_sizes(page, shots, "dashboard-support-tickets")

    customer = support.graphql(CUSTOMERS)["customers"]["edges"][0]["node"]
    support.graphql(CREATE, input={"subject": "Conveyor belt squeaks", "customerId": customer["id"]})
    expect(opened).to_have_text(str(figures["open"] + 1))  # live: no reload

    expect(page.locator("html[data-keys=bound]")).to_have_count(1)  # the router's script is listening
    page.locator("[data-figure=tickets-soon]").click()
    page.wait_for_url("**/tickets?view=soon")
    expect(page.get_by_role("button", name="Breaching soon")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("tbody tr, [role=row]").first).to_be_visible()


def test_the_customers_timeline_shows_its_tickets(support: Session, shots: Path) -> None:
    ticket = support.graphql(RESOLVED)["tickets"]["edges"][0]["node"]
    page = support.page(f"/customers/{ticket['customer']['id']}")
    timeline = page.get_by_role("list", name="Activity timeline")
    resolved = timeline.locator("li.ticket-entry", has_text="Ticket resolved").filter(has_text=ticket["number"])
    expect(resolved).to_be_visible()
    for suffix, size in (("desktop", DESKTOP), ("phone", PHONE)):  # the timeline in view, not the page's head
        resized(page, size)
        resolved.evaluate("e => e.scrollIntoView({block: 'center'})")
        shot(page, shots, f"customer-timeline-tickets-{suffix}")
    page.set_viewport_size(VIEWPORT)
    resolved.get_by_role("link").click()
    page.wait_for_url(f"**/tickets/{ticket['id']}")
    expect(page.locator("h1")).to_have_text(ticket["subject"])


def test_a_reps_dashboard_follows_the_quota_the_head_sets(rep: Session, head: Session) -> None:
    me = rep.graphql("{ me { id } }")["me"]
    before = subscribers(rep.server)
    page = rep.page("/dashboard?period=quarter")
    quota = page.locator("[data-attainment=me-quarter]")
    expect(quota).to_contain_text("of EUR 350,000")  # the demo's quota
    wait_for_subscribers(rep.server, before + DASHBOARD_LIVE, page)
    head.graphql(SET, input={"userId": me["id"], "period": "QUARTER", "startsOn": _quarter_start(),
                             "amount": 42_000_000})  # the head, elsewhere
    expect(quota).to_contain_text("of EUR 420,000")  # live: no reload
