"""Saved segments in a real browser: the customers list's filters kept as a segment, whose page shows a
customer entering and leaving live as another user changes its status; ticked customers added to a
hand-picked segment; screenshots of both screens at desktop and phone sizes."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.helpers import DESKTOP, LIVE_PER_PAGE, PHONE, VIEWPORT, Session, shot, wait_for_subscribers

STATUS = "mutation($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) { version } }"
CREATE = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id version } }"
DELETE = "mutation($input: DeleteCustomerInput!) { deleteCustomer(input: $input) { id } }"


def shots_at_both_sizes(page: Page, folder: Path, name: str) -> None:
    """As helpers.shot_sizes, but the phone shot waits for the menu drawer to have slid out of sight."""
    page.set_viewport_size(DESKTOP)
    expect(page.locator(".sidebar")).to_be_visible()
    shot(page, folder, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    expect(page.locator(".sidebar")).to_be_hidden()
    shot(page, folder, f"{name}-phone")
    page.set_viewport_size(VIEWPORT)


def test_a_segment_page_follows_a_status_change_made_by_someone_else(marketing: Session, admin: Session,
                                                                      shots: Path) -> None:
    made = admin.graphql(CREATE, input={"name": "Aaron Zephyr Rail", "email": "zephyr@example.com",
                                        "status": "PROSPECT", "country": "AT"})["createCustomer"]
    try:
        page = marketing.page("/customers?status=active&country=AT")
        page.get_by_role("button", name="Save as segment").click()
        dialog = page.get_by_role("dialog", name="Save as segment")
        dialog.locator("input[name=name]").fill("Active in Austria")
        dialog.get_by_role("button", name="Save segment").click()
        page.wait_for_url(re.compile(r"/segments/\d+$"))
        expect(page.locator("h1")).to_have_text("Active in Austria")
        # Its conditions as a person reads them: labels, not enum names; the default "not archived" left out.
        expect(page.locator(".segment-facts .subtle").first).to_have_text(
            "Status: Active · Country: AT")
        members = page.locator("table[aria-label=Members] tbody tr")
        expect(page.get_by_test_id("member-count")).not_to_have_text("")
        expect(members.filter(has_text="Aaron Zephyr Rail")).to_have_count(0)

        wait_for_subscribers(marketing.server, LIVE_PER_PAGE, page)  # the bell and the segment's stream
        admin.graphql(STATUS, input={"id": made["id"], "version": made["version"], "status": "ACTIVE"})
        expect(members.filter(has_text="Aaron Zephyr Rail")).to_have_count(1)
        expect(page.locator(".segment-recent .entered")).to_have_text("Aaron Zephyr Rail entered")
        shots_at_both_sizes(page, shots, "segment")

        admin.graphql(STATUS, input={"id": made["id"], "version": made["version"] + 1, "status": "INACTIVE"})
        expect(members.filter(has_text="Aaron Zephyr Rail")).to_have_count(0)
        expect(page.locator(".segment-recent .left")).to_have_text("Aaron Zephyr Rail left")

        page.get_by_role("link", name="Segments", exact=True).click()
        expect(page.locator("table[aria-label=Segments]")).to_contain_text("Active in Austria")
        expect(page.locator("table[aria-label=Segments]")).to_contain_text("Status: Active · Country: AT")
        expect(page.locator("table[aria-label=Segments]")).not_to_contain_text("Archived")
        shots_at_both_sizes(page, shots, "segments")
        page.get_by_role("link", name="Active in Austria").click()
        expect(page.locator("h1")).to_have_text("Active in Austria")
        page.get_by_role("button", name="Delete").click()
        page.wait_for_url(re.compile(r"/segments$"))
        expect(page.locator("h1")).to_have_text("Segments")
        expect(page.get_by_role("link", name="Active in Austria")).to_have_count(0)
    finally:
        admin.graphql(DELETE, input={"id": made["id"], "version": made["version"] + 2})


def test_ticked_customers_go_into_a_hand_picked_segment(marketing: Session, shots: Path) -> None:
    page = marketing.page("/customers?q=Alpine")
    rows = page.locator("table[aria-label=Customers] tbody tr")
    expect(rows.first).to_be_visible()
    names = rows.locator("td:first-child").all_inner_texts()[:2]
    bar = page.get_by_role("form", name="Add to segment")
    for ticked, row in enumerate(rows.all()[:2], start=1):
        # The server's answer to each tick before the next: the page's tick boxes show what it holds, and an
        # answer still on its way about the first would clear a second tick made meanwhile until its own comes.
        row.get_by_role("checkbox", name="Select").check()
        expect(bar).to_contain_text(f"{ticked} selected")
    shots_at_both_sizes(page, shots, "customers-picked")
    bar.get_by_label("Segment to add to").select_option("new")
    bar.get_by_label("New segment's name").fill("Alpine shortlist")
    bar.get_by_role("button", name="Add to segment").click()
    expect(page.get_by_role("status").filter(has_text="added to “Alpine shortlist”")).to_be_visible()
    expect(bar).to_have_count(0)

    page.goto(marketing.server + "/segments")
    page.get_by_role("link", name="Alpine shortlist").click()
    members = page.locator("table[aria-label=Members] tbody tr")
    expect(members).to_have_count(2)
    expect(members.locator("td:first-child")).to_have_text([n.strip() for n in sorted(names)])
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url(re.compile(r"/segments$"))
