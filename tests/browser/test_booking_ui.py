"""Meeting booking in Chromium: a rep sets their working hours, sends a contact a booking link from the
contact's page (the link shown to copy), the contact opens the public page without signing in and picks a
time; the page then shows the booking, and the rep's page lists the link as booked. Shots at 1440 and 390 px."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.helpers import Session, shot_sizes

CUSTOMERS = "{ customers(first: 1) { edges { node { id } } } }"
NEW_CONTACT = "mutation($input: CreateContactInput!) { createContact(input: $input) { id } }"


def test_working_hours_are_the_reps_own_setting(rep: Session, shots: Path) -> None:
    page = rep.page("/admin/working-hours")
    section = page.get_by_role("region", name="Working hours")
    expect(section.get_by_role("heading", name="Working hours")).to_be_visible()
    expect(section.get_by_label("From")).to_have_value("09:00")
    section.get_by_label("Fri").uncheck()
    section.get_by_label("From").fill("08:30")
    section.get_by_role("button", name="Save working hours").click()
    expect(section.get_by_role("status")).to_have_text("Working hours saved.")
    shot_sizes(page, shots, "booking-working-hours")
    hours = rep.graphql("{ workingHours { weekdays start end } }")["workingHours"]
    assert hours == {"weekdays": [1, 2, 3, 4], "start": "08:30", "end": "17:00"}
    # Back to the default week, so the booking test below finds times on any weekday.
    rep.graphql("mutation { setWorkingHours(input: {weekdays: [1, 2, 3, 4, 5], start: \"09:00\", end: \"17:00\"}) "
                "{ start } }")


def test_a_rep_sends_a_booking_link_and_the_contact_books(rep: Session, chromium: Browser, shots: Path) -> None:
    customer = rep.graphql(CUSTOMERS)["customers"]["edges"][0]["node"]["id"]
    contact = rep.graphql(NEW_CONTACT, input={"name": "Greta Booker", "email": "greta.booker@example.org",
                                             "customerId": customer})["createContact"]["id"]
    page = rep.page(f"/contacts/{contact}")
    page.get_by_role("button", name="Send booking link").click()
    dialog = page.get_by_role("dialog", name="Send booking link")
    dialog.get_by_label("Meeting length").select_option("60")
    dialog.get_by_label("Note to the contact").fill("Let us walk through the renewal together.")
    shot_sizes(page, shots, "booking-send-dialog")
    dialog.get_by_role("button", name="Send link").click()
    sent = page.get_by_role("dialog", name="Booking link sent")
    link = sent.get_by_label("Booking link")
    expect(link).to_have_value(re.compile(r"/b/[A-Za-z0-9_-]{20,}$"))
    url = link.input_value()
    shot_sizes(page, shots, "booking-link-sent")
    sent.get_by_role("button", name="Done").click()
    links = page.get_by_role("region", name="Booking links").or_(page.locator("[aria-label='Booking links']"))
    expect(links.locator("li[data-state='open']")).to_have_count(1)

    # The contact: another browser, not signed in.
    guest = chromium.new_context(viewport={"width": 1440, "height": 900})
    try:
        booking = guest.new_page()
        booking.goto(url)
        expect(booking.get_by_role("heading", level=1)).to_have_text(re.compile("Book a meeting with"))
        expect(booking.get_by_text("Let us walk through the renewal together.")).to_be_visible()
        expect(booking.locator(".zone")).to_contain_text("Times are in")
        shot_sizes(booking, shots, "booking-public-page")
        first = booking.locator("button.slot").first
        chosen = first.get_attribute("aria-label") or ""
        first.click()
        expect(booking.locator(".booked")).to_contain_text("Your meeting is booked for")
        expect(booking.get_by_role("status")).to_have_text("Booked: thank you!")
        day = chosen.split(",")[0]
        expect(booking.locator(".booked")).to_contain_text(day)
        shot_sizes(booking, shots, "booking-public-booked")
        booking.reload()  # a used link keeps showing the booking, and offers nothing more
        expect(booking.locator(".booked")).to_contain_text(day)
        expect(booking.locator("button.slot")).to_have_count(0)
    finally:
        guest.close()

    page.reload()
    expect(page.locator("li[data-state='booked']")).to_have_count(1)
    expect(page.get_by_text("Meeting with Greta Booker").first).to_be_visible()
