"""Notifications in a real browser: the bell keeps its history and unread count across reloads, a new one
arrives live, each leads to what it is about and is then read; /notifications lists only your own."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.helpers import Session, shot, wait_for_subscribers

ASSIGN = """mutation($input: LogActivityInput!) { logActivity(input: $input) { id } }"""


def give_task(head: Session, rep: Session, title: str) -> str:
    """The head gives the rep a task (the rep is told): the task's id."""
    rep_id = rep.graphql("{ me { id } }")["me"]["id"]
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    data = head.graphql(ASSIGN, input={"kind": "TASK", "title": title, "assigneeId": rep_id, "dueAt": due})
    return data["logActivity"]["id"]


def unread(rep: Session) -> int:
    return rep.graphql("{ notifications(unreadOnly: true, first: 0) { totalCount } }")["notifications"]["totalCount"]


def bell_count(page: Page) -> object:
    return page.get_by_test_id("unseen")


def test_bell_keeps_history_counts_unread_and_leads_to_the_task(head: Session, rep: Session, shots: Path) -> None:
    task_id = give_task(head, rep, "Prepare the Hanse offer")
    page = rep.page("/customers")
    before = unread(rep)
    expect(bell_count(page)).to_have_text(str(before))

    # Live: a second task arrives while the page is open.
    wait_for_subscribers(rep.server, 1, page)  # the bell (the customer list has no stream of its own)
    give_task(head, rep, "Call Hanse about the offer")
    expect(bell_count(page)).to_have_text(str(before + 1))

    page.get_by_role("button", name="Notifications").click()
    menu = page.get_by_role("dialog", name="Notifications")
    expect(menu).to_be_visible()
    page.locator("h1").click()  # a click elsewhere closes it, as Escape does
    expect(menu).to_have_count(0)
    page.get_by_role("button", name="Notifications").click()
    expect(menu).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    page.get_by_role("button", name="Notifications").click()
    item = menu.locator("a.bell-item", has_text="Prepare the Hanse offer")
    expect(item).to_have_attribute("data-unread", "true")
    shot(page, shots, "notifications-bell")
    item.click()
    page.wait_for_url(f"**/tasks?task={task_id}")
    expect(page.locator("table[aria-label='Tasks'] tbody tr")).to_have_text(
        [re.compile("Prepare the Hanse offer")])
    expect(bell_count(page)).to_have_text(str(before))

    # History survives a reload: the one opened is there, read.
    page.reload()
    expect(bell_count(page)).to_have_text(str(before))
    page.get_by_role("button", name="Notifications").click()
    expect(menu.locator("a.bell-item", has_text="Prepare the Hanse offer")).to_have_attribute("data-unread", "false")
    total = rep.graphql("{ notifications { totalCount } }")["notifications"]["totalCount"]
    for n in range(total, 27):  # more than one page of 25
        give_task(head, rep, f"Paperwork {n}")
    menu.get_by_role("link", name="See all notifications").click()
    page.wait_for_url("**/notifications")
    rows = page.locator("ul[aria-label='Notifications'] li")
    expect(rows).to_have_count(25)
    page.get_by_role("button", name="Show more").click()
    expect(rows).to_have_count(max(total, 27))
    expect(rows.filter(has_text="Call Hanse about the offer")).to_have_count(1)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, shots, "notifications")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, shots, "notifications-phone")
    page.set_viewport_size({"width": 1440, "height": 900})

    page.locator(".page-head").get_by_role("button", name="Mark all read").click()
    expect(bell_count(page)).to_have_count(0)
    expect(page.locator("[data-unread='true']")).to_have_count(0)
    assert unread(rep) == 0
    page.get_by_role("tab", name="Unread").click()
    expect(page.locator(".empty")).to_contain_text("No unread notifications.")


def test_notifications_are_personal_others_see_none_of_them(head: Session, rep: Session, marketing: Session) -> None:
    give_task(head, rep, "Only for the rep")
    page = marketing.page("/notifications")
    expect(page.locator("h1")).to_have_text("Notifications")
    theirs = marketing.graphql("{ notifications { totalCount } }")["notifications"]["totalCount"]
    if theirs == 0:  # the demo data tells marketing nothing; another test may have changed their campaigns
        expect(page.locator(".empty")).to_contain_text("No notifications yet.")
    else:
        expect(page.locator("ul[aria-label='Notifications'] li")).to_have_count(theirs)
    expect(page.get_by_text("Only for the rep")).to_have_count(0)
