"""Reminders in a real browser: how a user hears of things (in the app, one email each or the daily
digest) and the language and time zone of their mail, kept after a reload; a recurring task made in the
task form, its next occurrence after "Mark done", and stopping it; a notification read on one device is
read on the other at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import DESKTOP, PHONE, Session, resized, shot, shot_sizes, sign_in, wait_for_subscribers

SETTINGS = "{ me { language timeZone } notificationPreferences { kind inApp email digest } }"
RESET = """mutation { setNotificationPreference(input: {kind: "task_reminder", inApp: true, email: true}) { kind } }"""
MY_SETTINGS = "mutation($input: UpdateMySettingsInput!) { updateMySettings(input: $input) { id } }"
TASK_BY_TITLE = """query($search: String) { activities(first: 5, search: $search, filter: {kind: [TASK]}) {
  edges { node { id dueAt taskStatus repeat { label } } } } }"""
NEXT = "query($id: ID!) { activity(id: $id) { id } }"


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_a_user_chooses_the_daily_digest_and_the_language_of_their_mail(rep: Session, shots: Path) -> None:
    before = rep.graphql(SETTINGS)["me"]
    page = rep.page("/admin/notifications")
    try:
        reminders = page.locator("tr[data-kind=task_reminder]")
        email = reminders.locator("select[name=task_reminder-email]")
        expect(email).to_have_value("each")
        email.select_option("digest")
        expect(reminders.get_by_role("status")).to_have_text("Saved")
        # The overdue mail is a daily one itself: it offers no digest.
        overdue = page.locator("select[name=overdue_digest-email] option")
        expect(overdue).to_have_text(["No email", "One email each"])

        mail = page.get_by_role("form", name="Your mail")
        mail.locator("select[name=language]").select_option("de")
        mail.locator("input[name=timeZone]").fill("Mars/Olympus")
        mail.get_by_role("button", name="Save").click()
        expect(mail.locator(".has-error")).to_contain_text("not an IANA time zone")
        mail.locator("input[name=timeZone]").fill("Asia/Tokyo")
        mail.get_by_role("button", name="Save").click()
        expect(mail.get_by_role("status")).to_have_text("Saved")
        saved = rep.graphql(SETTINGS)
        assert saved["me"] == {"language": "de", "timeZone": "Asia/Tokyo"}
        assert {"kind": "task_reminder", "inApp": True, "email": True, "digest": True} in saved["notificationPreferences"]

        page.reload()  # kept by the server, not the page
        expect(page.locator("select[name=task_reminder-email]")).to_have_value("digest")
        expect(page.locator("select[name=language]")).to_have_value("de")
        expect(page.locator("input[name=timeZone]")).to_have_value("Asia/Tokyo")
        shot_sizes(page, shots, "notification-settings-digest")
    finally:
        rep.graphql(RESET)
        rep.graphql(MY_SETTINGS, input={"language": before["language"], "timeZone": before["timeZone"]})


def test_a_recurring_task_comes_back_after_it_is_done_until_it_is_stopped(rep: Session, shots: Path) -> None:
    page = rep.page("/tasks")
    page.get_by_role("button", name="New task").click()
    form = page.get_by_label("New task")
    title = f"Pipeline review {datetime.now(UTC):%H%M%S}"
    form.locator("input[name=title]").fill(title)
    due = (datetime.now(UTC) + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    form.locator("input[name=dueAt]").fill(local(due))
    form.locator("input[name=repeatEvery]").fill("2")
    form.locator("select[name=repeatUnit]").select_option("WEEK")
    page.set_viewport_size({"width": 1440, "height": 900})
    shot(page, shots, "tasks-new-recurring")
    form.get_by_role("button", name="Create task").click()
    expect(form).to_have_count(0)

    [made] = [e["node"] for e in rep.graphql(TASK_BY_TITLE, search=title)["activities"]["edges"]]
    assert made["repeat"] == {"label": "Repeats every 2 weeks"}
    page.goto(f"{rep.server}/tasks?task={made['id']}")
    row = page.locator("table[aria-label='Tasks'] tbody tr")
    expect(row.locator(".repeat-label")).to_have_text("Repeats every 2 weeks")
    shot(page, shots, "tasks-recurring")
    row.get_by_role("button", name="Mark done").click()
    expect(row.locator(".badge-done")).to_be_visible()

    found = [e["node"] for e in rep.graphql(TASK_BY_TITLE, search=title)["activities"]["edges"]]
    [following] = [t for t in found if t["id"] != made["id"]]
    assert datetime.fromisoformat(following["dueAt"]) - datetime.fromisoformat(made["dueAt"]) in (
        timedelta(weeks=2), timedelta(weeks=2, hours=1), timedelta(weeks=2, hours=-1))  # the same wall clock
    page.goto(f"{rep.server}/tasks?task={following['id']}")
    expect(row.locator(".repeat-label")).to_have_text("Repeats every 2 weeks")
    row.get_by_role("button", name="Repeat").click()
    repeat = row.get_by_role("form", name="Repeat")
    repeat.locator("select[name=repeatUnit]").select_option("")
    resized(page, PHONE)
    shot(page, shots, "tasks-recurring-phone")
    resized(page, DESKTOP)
    repeat.get_by_role("button", name="Save").click()
    expect(row.locator(".repeat-label")).to_have_count(0)
    [stopped] = [t for t in (e["node"] for e in rep.graphql(TASK_BY_TITLE, search=title)["activities"]["edges"])
                 if t["id"] == following["id"]]
    assert stopped["repeat"] is None


@pytest.fixture
def rep_elsewhere(chromium: Browser, server: str, issuer: str) -> Iterator[Session]:
    """The rep signed in on a second device (its own browser context and session)."""
    session = sign_in(chromium, server, issuer, "rep@example.com")
    yield session
    session.context.close()


def test_a_notification_read_on_one_device_is_read_on_the_other(
        head: Session, rep: Session, rep_elsewhere: Session) -> None:
    laptop, phone = rep.page("/customers"), rep_elsewhere.page("/customers")
    wait_for_subscribers(rep.server, 2, phone)  # both bells listen
    rep_id = rep.graphql("{ me { id } }")["me"]["id"]
    title = f"Call Hanse back {datetime.now(UTC):%H%M%S}"
    head.graphql("mutation($input: LogActivityInput!) { logActivity(input: $input) { id } }",
                 input={"kind": "TASK", "title": title, "assigneeId": rep_id,
                        "dueAt": (datetime.now(UTC) + timedelta(days=2)).isoformat()})
    unread = rep.graphql("{ notifications(unreadOnly: true, first: 0) { totalCount } }")["notifications"]["totalCount"]
    for page in (laptop, phone):
        expect(page.get_by_test_id("unseen")).to_have_text(str(unread))
    laptop.get_by_role("button", name="Notifications").click()
    laptop.get_by_role("dialog", name="Notifications").locator("a.bell-item", has_text=title).click()
    for page in (laptop, phone):  # the phone without a reload
        bell = page.get_by_test_id("unseen")
        if unread > 1:
            expect(bell).to_have_text(str(unread - 1))
        else:
            expect(bell).to_have_count(0)
    phone.get_by_role("button", name="Notifications").click()
    expect(phone.get_by_role("dialog", name="Notifications").locator("a.bell-item", has_text=title)).to_have_attribute(
        "data-unread", "false")
