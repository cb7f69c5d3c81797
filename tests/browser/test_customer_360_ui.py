"""Customer 360 in a real browser: header figures, tabs, logging an activity (seen live by a second page),
notes with pinning, and a status change with its reason."""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Route, expect

from tests.browser.helpers import (
    LIVE_PER_PAGE,
    Session,
    shot,
    subscribers,
    wait_for_no_subscribers,
    wait_for_subscribers,
)

WITH_OPEN_DEAL = "query { deals(first: 1, filter: {stageKind: [OPEN]}) { edges { node { customer { id name } } } } }"


def open_customer(admin: Session) -> tuple[str, str]:
    """A customer with an open deal, so the 360 view has figures to show."""
    node = admin.graphql(WITH_OPEN_DEAL)["deals"]["edges"][0]["node"]["customer"]
    return node["id"], node["name"]


def test_logged_activity_appears_live_in_another_page(admin: Session, shots: Path) -> None:
    customer_id, name = open_customer(admin)
    watcher = admin.page(f"/customers/{customer_id}?tab=activities")
    expect(watcher.locator("h1")).to_have_text(name)
    before = subscribers(admin.server)
    worker = admin.page(f"/customers/{customer_id}")
    expect(worker.locator("h1")).to_have_text(name)
    wait_for_subscribers(admin.server, before + LIVE_PER_PAGE, worker)  # both pages are live now

    worker.click("button:has-text('Log activity')")
    form = worker.locator("[aria-label='Log activity'] form")
    form.locator("select[name=kind]").select_option("call")
    form.locator("input[name=title]").fill("Renewal call with the CFO")
    form.locator("input[name=durationMinutes]").fill("25")
    form.locator("select[name=outcome]").select_option("Positive")
    form.locator("button[type=submit]").click()

    expect(worker.locator(".activity-title").first).to_have_text("Renewal call with the CFO")
    expect(watcher.locator(".activity-title").first).to_have_text("Renewal call with the CFO")
    shot(worker, shots, "customer-360")

    watcher.select_option("select[name=kind]", "email")
    expect(watcher.locator(".activity-title", has_text="Renewal call with the CFO")).to_have_count(0)
    watcher.select_option("select[name=kind]", "call")
    watcher.fill("input[aria-label='Search activities']", "renewal")
    expect(watcher.locator(".activity-title").first).to_have_text("Renewal call with the CFO")
    shot(watcher, shots, "customer-activities")


def test_an_activity_with_a_missing_title_is_refused_next_to_the_field(admin: Session) -> None:
    customer_id, _ = open_customer(admin)
    page = admin.page(f"/customers/{customer_id}")
    page.click("button:has-text('Log activity')")
    form = page.locator("[aria-label='Log activity'] form")
    form.locator("button[type=submit]").click()
    title = form.locator("label.field", has=page.locator("input[name=title]"))
    expect(title.locator(".field-error")).to_be_visible()


def test_notes_pinned_first_and_tabs(admin: Session, shots: Path) -> None:
    customer_id, _ = open_customer(admin)
    page = admin.page(f"/customers/{customer_id}?tab=notes")
    for body in ("Prefers calls before 10am", "Budget approved for Q3"):
        page.fill("textarea[name=body]", body)
        page.click("button:has-text('Add note')")
        expect(page.locator(".note").first).to_contain_text(body)
    page.locator(".note", has_text="Prefers calls before 10am").locator("button:has-text('Pin')").click()
    expect(page.locator(".note").first).to_contain_text("Prefers calls before 10am")
    expect(page.locator(".note.pinned")).to_have_count(1)

    page.click(".tab:has-text('Contacts')")
    expect(page).to_have_url(re.compile(r"tab=contacts"))
    expect(page.locator("table[aria-label=Contacts], .empty")).to_be_visible()
    page.click(".tab:has-text('Deals')")
    expect(page.locator("table[aria-label=Deals], .empty")).to_be_visible()
    page.click(".tab:has-text('Overview')")
    expect(page.locator("h2:has-text('Status history')")).to_be_visible()
    shot(page, shots, "customer-overview")


def test_status_change_needs_a_reason_to_block(admin: Session) -> None:
    customer_id, _ = open_customer(admin)
    page = admin.page(f"/customers/{customer_id}")
    page.click("button:has-text('Change status')")
    form = page.locator("[aria-label='Change status'] form")
    form.locator("select[name=status]").select_option("blocked")
    form.locator("button[type=submit]").click()
    expect(form.locator(".field-error")).to_be_visible()
    form.locator("input[name=reason]").fill("Unpaid invoices since March")
    form.locator("button[type=submit]").click()
    expect(page.locator(".hero .badge")).to_have_text("Blocked")
    expect(page.locator(".hero")).to_contain_text("Unpaid invoices since March")


def test_edit_customer_with_the_error_next_to_the_field(admin: Session) -> None:
    customer_id, _ = open_customer(admin)
    page = admin.page(f"/customers/{customer_id}")
    page.click(".hero button:has-text('Edit')")
    form = page.locator("[aria-label='Edit customer'] form")
    form.locator("input[name=website]").fill("not a web site")
    form.locator("button[type=submit]").click()
    website = form.locator("label.field", has=page.locator("input[name=website]"))
    expect(website.locator(".field-error")).to_be_visible()
    form.locator("input[name=website]").fill("https://www.example.com")
    form.locator("input[name=phone]").fill("+49 30 1234567")
    form.locator("button[type=submit]").click()
    expect(page.locator("[aria-label='Edit customer']")).to_have_count(0)
    expect(page.locator(".hero")).to_contain_text("+49 30 1234567")


def _answer_late(route: Route) -> None:
    response = route.fetch()
    time.sleep(1.5)  # a slow network between the server's work and the browser
    route.fulfill(response=response)


def test_sign_out_from_the_header(chromium: object, server: str, issuer: str) -> None:
    from tests.browser.helpers import sign_in

    session = sign_in(chromium, server, issuer, "rep2@example.com")  # type: ignore[arg-type]
    wait_for_no_subscribers(server)  # the sign-in page's streams, released after it closed, are not counted
    other_tab = session.page("/pipeline")
    wait_for_subscribers(server, LIVE_PER_PAGE, other_tab)  # its bell hears the session end
    before = subscribers(server)
    page = session.page("/customers")
    expect(page.locator(".user-name")).to_have_text("Rita Rep")
    wait_for_subscribers(server, before + 1, page)  # this page's own bell hears the end too
    # The sign-out's answer is held back after the server has ended the session, so this page's own
    # stream hears the end first (as it did once in CI): the page must still land on "signed out".
    page.route("**/auth/logout", _answer_late)
    page.click("button:has-text('Sign out')")
    expect(page.locator("body")).to_contain_text("signed out")
    # The other open tab learns it at once and goes to sign in, instead of acting on a dead session.
    expect(other_tab).to_have_url(re.compile(f"^{re.escape(issuer)}"))
    page.goto(f"{server}/customers")
    expect(page).to_have_url(re.compile(f"^{re.escape(issuer)}"))
    session.context.close()
