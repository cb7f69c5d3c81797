"""The customer page when others work on the same customer: an edit that met someone else's save keeps what
the user typed, shows both where they differ and saves at the second try; the header follows others' edits
live. And the activity form says what is wrong with a duration or a due date, next to the field."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import LIVE_PER_PAGE, Session, shot, subscribers, wait_for_subscribers

UPDATE = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { version } }"
STATUS = "mutation($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) { version } }"
CUSTOMER = "query($id: ID!) { customer(id: $id) { id name version city industry phone status allowedStatuses } }"
A_CUSTOMER = "query($q: String) { customers(first: 1, search: $q) { edges { node { id name } } } }"


def a_customer(session: Session, search: str) -> dict:
    return session.graphql(A_CUSTOMER, q=search)["customers"]["edges"][0]["node"]


def test_after_an_edit_conflict_the_form_keeps_yours_shows_theirs_and_saves(admin: Session, shots: Path) -> None:
    customer = a_customer(admin, "Iberia")
    page = admin.page(f"/customers/{customer['id']}")
    expect(page.locator("h1")).to_have_text(customer["name"])
    page.click(".hero button:has-text('Edit')")
    form = page.locator("[aria-label='Edit customer'] form")
    form.locator("input[name=city]").fill("Lyon")
    form.locator("input[name=phone]").fill("+33 4 72 00 00 00")

    # Meanwhile a colleague saves the same customer: another city, another industry.
    before = admin.graphql(CUSTOMER, id=customer["id"])["customer"]
    admin.graphql(UPDATE, input={"id": customer["id"], "version": before["version"], "city": "Marseille",
                                 "industry": "Logistics"})
    form.locator("button[type=submit]").click()

    city = form.locator("label.field", has=page.locator("input[name=city]"))
    expect(city).to_contain_text("Saved by someone else: Marseille — yours: Lyon")
    expect(form.locator("input[name=city]")).to_have_value("Lyon")  # what the user typed is kept
    expect(form.locator("input[name=phone]")).to_have_value("+33 4 72 00 00 00")
    expect(form.locator("select[name=industry]")).to_have_value("Logistics")  # theirs, untouched by the user
    expect(page.locator("[aria-label='Edit customer'] .notice")).to_contain_text("Someone else saved")
    shot(page, shots, "customer-edit-conflict")

    form.locator("button[type=submit]").click()
    expect(page.locator("[aria-label='Edit customer']")).to_have_count(0)
    saved = admin.graphql(CUSTOMER, id=customer["id"])["customer"]
    assert (saved["city"], saved["industry"], saved["phone"]) == ("Lyon", "Logistics", "+33 4 72 00 00 00")
    assert saved["version"] == before["version"] + 2


def test_the_header_follows_someone_elses_edit_live(admin: Session, head: Session) -> None:
    customer = a_customer(head, "Zenith")
    before = subscribers(admin.server)
    page = head.page(f"/customers/{customer['id']}")
    expect(page.locator("h1")).to_have_text(customer["name"])
    wait_for_subscribers(admin.server, before + LIVE_PER_PAGE + 1, page)  # bell, timeline, and the header
    page.evaluate("window.__sameDocument = true")

    current = admin.graphql(CUSTOMER, id=customer["id"])["customer"]
    renamed = f"{customer['name']} Group"
    version = admin.graphql(UPDATE, input={"id": customer["id"], "version": current["version"], "name": renamed,
                                           "city": "Oslo"})["updateCustomer"]["version"]
    expect(page.locator("h1")).to_have_text(renamed)
    expect(page.locator(".hero")).to_contain_text("Oslo")
    target = next(s for s in current["allowedStatuses"] if s != "BLOCKED")
    admin.graphql(STATUS, input={"id": customer["id"], "version": version, "status": target})
    expect(page.locator(".hero .badge")).to_have_text(re.compile(target, re.IGNORECASE))
    assert page.evaluate("window.__sameDocument") is True


def test_the_activity_form_says_what_is_wrong_with_a_duration_or_a_due_date(admin: Session, shots: Path) -> None:
    customer = a_customer(admin, "Atlas")
    page = admin.page(f"/customers/{customer['id']}")
    page.click("button:has-text('Log activity')")
    form = page.locator("[aria-label='Log activity'] form")
    form.locator("select[name=kind]").select_option("call")
    form.locator("input[name=title]").fill("Quick call")
    form.locator("input[name=durationMinutes]").fill("-5")
    form.locator("button[type=submit]").click()
    duration = form.locator("label.field", has=page.locator("input[name=durationMinutes]"))
    expect(duration.locator(".field-error")).to_have_text("must be a whole number of minutes from 0 to 1440")
    form.locator("input[name=durationMinutes]").fill("1.5")
    form.locator("button[type=submit]").click()
    expect(duration.locator(".field-error")).to_have_text("must be a whole number of minutes from 0 to 1440")

    form.locator("select[name=kind]").select_option("task")
    expect(form.locator("input[name=dueAt]")).to_be_visible()  # the form is a task's now, as the user sees it
    form.locator("input[name=title]").fill("Send the offer")
    form.locator("button[type=submit]").click()
    due = form.locator("label.field", has=page.locator("input[name=dueAt]"))
    expect(due.locator(".field-error")).to_contain_text("required")

    form.locator("input[name=dueAt]").fill("2020-01-06T09:30")
    form.locator("button[type=submit]").click()
    expect(due).to_contain_text("in the past")
    shot(page, shots, "task-due-in-the-past")
    expect(page.locator("[aria-label='Log activity']")).to_be_visible()  # not saved yet: the user confirms
    form.locator("button[type=submit]").click()
    expect(page.locator("[aria-label='Log activity']")).to_have_count(0)
    tasks = admin.graphql("query($id: ID!) { customer(id: $id) { activities(first: 1) { title overdue } } }",
                          id=customer["id"])
    assert tasks["customer"]["activities"][0] == {"title": "Send the offer", "overdue": True}
    entry = page.locator(".activity", has=page.locator(".activity-title", has_text="Send the offer")).first
    expect(entry.locator(".badge")).to_have_text("Overdue")  # as /tasks says, not "Scheduled"
    shot(page, shots, "task-overdue-on-the-timeline")
