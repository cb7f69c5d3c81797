"""Segments of contacts in a real browser: a kept filter of contacts made on /segments, whose page shows a
contact entering and leaving live as another user changes its status; ticked contacts added to a hand-picked
contact segment from the contacts list and found there again; support may do neither. Screenshots of the
segment's page and the contacts list with ticked rows, at desktop and phone sizes."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import LIVE_PER_PAGE, Session, wait_for_subscribers
from tests.browser.test_segments_ui import shots_at_both_sizes

CREATE = "mutation($input: CreateContactInput!) { createContact(input: $input) { id version } }"
UPDATE = "mutation($input: UpdateContactInput!) { updateContact(input: $input) { version } }"
DELETE = "mutation($input: DeleteContactInput!) { deleteContact(input: $input) { id } }"


def test_a_contact_segment_made_on_segments_follows_a_contact_live(marketing: Session, admin: Session,
                                                                   shots: Path) -> None:
    made = admin.graphql(CREATE, input={"name": "Aaron Quillfeather", "email": "aaron.q@example.com"})["createContact"]
    try:
        page = marketing.page("/segments")
        page.get_by_role("button", name="+ New segment").click()
        dialog = page.get_by_role("dialog", name="New segment")
        dialog.locator("input[name=name]").fill("Hot people")
        dialog.locator("select[name=entity]").select_option("CONTACT")
        dialog.locator("select[name=kind]").select_option("DYNAMIC")
        dialog.locator("select[name=status]").select_option("hot")
        shots_at_both_sizes(page, shots, "contact-segment-new")
        dialog.get_by_role("button", name="Create segment").click()
        page.wait_for_url(re.compile(r"/segments/\d+$"))
        expect(page.locator("h1")).to_have_text("Hot people")
        expect(page.locator(".segment-facts .subtle").first).to_have_text("Status: Hot")
        members = page.locator("table[aria-label=Members] tbody tr")
        expect(page.get_by_test_id("member-count")).not_to_have_text("")
        expect(members.filter(has_text="Aaron Quillfeather")).to_have_count(0)

        wait_for_subscribers(marketing.server, LIVE_PER_PAGE, page)  # the bell and the segment's stream
        admin.graphql(UPDATE, input={"id": made["id"], "version": made["version"], "status": "HOT"})
        expect(members.filter(has_text="Aaron Quillfeather")).to_have_count(1)
        expect(page.locator(".segment-recent .entered")).to_have_text("Aaron Quillfeather entered")
        shots_at_both_sizes(page, shots, "contact-segment")

        admin.graphql(UPDATE, input={"id": made["id"], "version": made["version"] + 1, "status": "COLD"})
        expect(members.filter(has_text="Aaron Quillfeather")).to_have_count(0)
        expect(page.locator(".segment-recent .left")).to_have_text("Aaron Quillfeather left")

        page.get_by_role("link", name="Segments", exact=True).click()
        expect(page.locator("table[aria-label=Segments]")).to_contain_text("Contacts")
        page.get_by_role("link", name="Hot people").click()
        expect(page.locator("h1")).to_have_text("Hot people")
        page.get_by_role("button", name="Delete").click()
        page.wait_for_url(re.compile(r"/segments$"))
        expect(page.get_by_role("link", name="Hot people")).to_have_count(0)
    finally:
        now = admin.graphql("query($id: ID!) { contact(id: $id) { version } }", id=made["id"])["contact"]
        admin.graphql(DELETE, input={"id": made["id"], "version": now["version"]})


def test_ticked_contacts_go_into_a_hand_picked_segment_that_filters_the_list(marketing: Session, shots: Path) -> None:
    page = marketing.page("/contacts")
    rows = page.locator("table[aria-label=Contacts] tbody tr")
    expect(rows.first).to_be_visible()
    names = [n.strip() for n in rows.locator("td:first-child").all_inner_texts()[:2]]
    bar = page.get_by_role("form", name="Add to segment")
    for ticked, row in enumerate(rows.all()[:2], start=1):
        row.get_by_role("checkbox", name="Select").check()  # the server's answer before the next (test_segments_ui)
        expect(bar).to_contain_text(f"{ticked} selected")
    shots_at_both_sizes(page, shots, "contacts-picked")
    bar.get_by_label("Segment to add to").select_option("new")
    bar.get_by_label("New segment's name").fill("Contact shortlist")
    bar.get_by_role("button", name="Add to segment").click()
    expect(page.get_by_role("status").filter(has_text="2 contacts added to “Contact shortlist”")).to_be_visible()

    # The list filters by it (and so does its export, which takes the same view).
    page.get_by_label("Saved segment").select_option(label="Contact shortlist")
    expect(rows).to_have_count(2)
    expect(rows.locator("td:first-child")).to_have_text(sorted(names))
    expect(page.get_by_role("link", name="CSV")).to_have_attribute("href", re.compile(r"saved=\d+"))

    page.goto(marketing.server + "/segments")
    page.get_by_role("link", name="Contact shortlist").click()
    members = page.locator("table[aria-label=Members] tbody tr")
    expect(members).to_have_count(2)
    members.first.get_by_role("button", name="Remove").click()
    expect(members).to_have_count(1)
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url(re.compile(r"/segments$"))


def test_support_neither_picks_contacts_nor_makes_segments(support: Session) -> None:
    page = support.page("/contacts?status=hot")
    expect(page.locator("table[aria-label=Contacts] tbody tr").first).to_be_visible()
    expect(page.get_by_role("checkbox", name="Select")).to_have_count(0)
    expect(page.get_by_role("button", name="Save as segment")).to_have_count(0)
    page.goto(support.server + "/segments")
    expect(page.locator("h1")).to_have_text("Segments")
    expect(page.get_by_role("button", name="+ New segment")).to_have_count(0)
