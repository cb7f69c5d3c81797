"""Tasks in a real browser: views (mine, my team, overdue, due this week), a new task given to a team
member, mark done, re-schedule and abort one, complete and reschedule several at once; a role that may not
work on tasks is offered none of it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.helpers import Session, shot

ROWS = "table[aria-label='Tasks'] tbody tr"


def rows(page: Page) -> object:
    return page.locator(ROWS)


def tick(page: Page, box: Locator, selected: int) -> None:
    """Select a row, and wait for the server's answer (the bar's count) before the next: the browser checks
    the box at the click, and an answer still on its way about an earlier tick would clear a tick made
    meanwhile (ReactPy's client guards a typed value against stale answers, not a tick)."""
    box.click()
    expect(page.get_by_role("region", name="Selected tasks")).to_contain_text(f"{selected} selected")
    expect(box).to_be_checked()


def open_count(page: Page) -> int:
    """The view's total, from its heading ("… · 36"): the list itself shows one page of it."""
    subtitle = page.locator(".page-head .subtle")
    expect(subtitle).to_contain_text(re.compile(r"· \d+$"))
    return int(subtitle.inner_text().rsplit("·", 1)[1])


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_my_tasks_overdue_first_done_and_rescheduled(head: Session, shots: Path) -> None:
    page = head.page("/tasks")
    tasks = rows(page)
    expect(tasks.first).to_be_visible()
    overdue = tasks.filter(has=page.locator(".badge-overdue")).count()
    if overdue:  # overdue tasks lead the list
        expect(tasks.nth(overdue - 1).locator(".badge-overdue")).to_be_visible()
    shot(page, shots, "tasks")

    count = tasks.count()
    tasks.first.locator("button:has-text('Mark done')").click()
    expect(tasks).to_have_count(count - 1)

    target = tasks.first
    title = target.locator("strong").first.inner_text()
    target.locator("button:has-text('Reschedule')").click()
    due = (datetime.now(UTC) + timedelta(days=30)).replace(hour=9, minute=30)
    page.locator("input[name=dueAt]").fill(local(due))
    page.locator("tr", has=page.locator("input[name=dueAt]")).locator("button:has-text('Save')").click()
    moved = tasks.filter(has_text=title).filter(has_text=due.strftime("%d %b %Y, 09:30"))
    expect(moved).to_have_count(1)
    expect(moved.locator(".badge-overdue")).to_have_count(0)


def test_head_gives_a_task_to_the_team_and_works_through_views(head: Session, shots: Path) -> None:
    page = head.page("/tasks")
    page.get_by_role("button", name="New task").click()
    form = page.get_by_label("New task")
    form.get_by_role("button", name="Create task").click()  # nothing filled in: both required fields say so
    expect(form.locator(".has-error")).to_have_count(2)
    form.locator("input[name=title]").fill("Visit Hanse Logistics with Rex")
    due = (datetime.now(UTC) + timedelta(days=1)).replace(hour=10, minute=0)
    form.locator("input[name=dueAt]").fill(local(due))
    form.locator("select[name=priority]").select_option("HIGH")
    form.locator("select[name=assigneeId]").select_option(label="Rex Rep")
    page.set_viewport_size({"width": 1440, "height": 900})
    shot(page, shots, "tasks-new")
    form.get_by_role("button", name="Create task").click()
    expect(form).to_have_count(0)
    # Given to Rex: not among the head's own, but in the team's view, with its assignee.
    expect(rows(page).filter(has_text="Visit Hanse Logistics with Rex")).to_have_count(0)
    page.get_by_role("link", name="My team").click()
    page.wait_for_url("**/tasks?view=team")
    given = rows(page).filter(has_text="Visit Hanse Logistics with Rex")
    expect(given).to_contain_text("Rex Rep")
    expect(given.locator(".badge-high")).to_have_text("High")
    shot(page, shots, "tasks-team")

    # Overdue: only overdue tasks; due this week: none overdue, none past Sunday.
    # Each view's heading says which it is: rows read after it are that view's, not the last one's.
    page.get_by_role("link", name="Overdue").click()
    expect(page.locator(".page-head .subtle")).to_contain_text(re.compile(r"past their due date · \d+"))
    expect(rows(page).first).to_be_visible()
    expect(rows(page).locator(".badge-overdue")).to_have_count(rows(page).count())
    page.get_by_role("link", name="Due this week").click()
    expect(page.locator(".page-head .subtle")).to_contain_text(re.compile(r"now to Sunday · \d+"))
    expect(page.locator(f"{ROWS}, .empty").first).to_be_visible()
    expect(rows(page).locator(".badge-overdue")).to_have_count(0)

    # Bulk: reschedule two of the team's tasks, give both to Rex, then complete them.
    page.get_by_role("link", name="My team").click()
    page.wait_for_url("**/tasks?view=team")
    expect(rows(page).nth(1)).to_be_visible()
    for i in (0, 1):
        tick(page, rows(page).nth(i).get_by_role("checkbox"), i + 1)
    bar = page.get_by_role("region", name="Selected tasks")
    expect(bar).to_contain_text("2 selected")
    shot(page, shots, "tasks-bulk")
    bar.get_by_role("button", name="Reschedule selected").click()
    # Soon, so the two stay on the first page of the list (soonest due first), right after the overdue ones.
    later = (datetime.now(UTC) + timedelta(hours=3)).replace(minute=15, second=0, microsecond=0)
    bar.locator("input[name=dueAt]").fill(local(later))
    bar.get_by_role("button", name="Reschedule selected").click()
    moved = rows(page).filter(has_text=later.strftime("%d %b %Y, %H:%M"))
    expect(moved).to_have_count(2)
    expect(bar).to_contain_text("Tick tasks")

    for i in (0, 1):
        tick(page, moved.nth(i).get_by_role("checkbox"), i + 1)
    bar.locator("select[name=assigneeId]").select_option(label="Rex Rep")
    bar.get_by_role("button", name="Assign").click()
    expect(bar).to_contain_text("Tick tasks")
    expect(moved.filter(has_text="Rex Rep")).to_have_count(2)

    for i in (0, 1):
        tick(page, moved.nth(i).get_by_role("checkbox"), i + 1)
    count = open_count(page)
    bar.get_by_role("button", name="Complete selected").click()
    expect(moved).to_have_count(0)
    expect(page.locator(".page-head .subtle")).to_contain_text(f"· {count - 2}")

    # Abort: the task leaves the open lists; the API says it is aborted.
    aborted = rows(page).filter(has_text="Visit Hanse Logistics with Rex")
    aborted.get_by_role("button", name="Abort").click()
    expect(aborted).to_have_count(0)
    found = head.graphql('{ activities(first: 5, search: "Visit Hanse Logistics", filter: {kind: [TASK]}) '
                         "{ edges { node { taskStatus } } } }")
    assert [e["node"]["taskStatus"] for e in found["activities"]["edges"]] == ["ABORTED"]

    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, shots, "tasks-phone")
    page.set_viewport_size({"width": 1440, "height": 900})


def test_rep_sees_own_views_and_is_offered_nothing_on_a_colleagues_task(head: Session, rep: Session) -> None:
    customer = rep.graphql("{ customers(first: 1) { edges { node { id } } } }")["customers"]["edges"][0]["node"]
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    task = head.graphql("mutation($input: LogActivityInput!) { logActivity(input: $input) { id } }",
                        input={"kind": "TASK", "title": "The head's own follow-up", "customerId": customer["id"],
                               "dueAt": due})["logActivity"]

    page = rep.page("/tasks")
    expect(page.get_by_role("link", name="Mine")).to_be_visible()
    expect(page.get_by_role("link", name="My team")).to_have_count(0)  # heads only
    page.get_by_role("button", name="New task").click()
    # The picker lists whom the API lets this rep give tasks to (assignableFor: TASK), the rep as "Me".
    allowed = rep.graphql("{ users(first: 100, filter: {assignableFor: TASK}) { edges { node { name } } } }")
    names = {e["node"]["name"] for e in allowed["users"]["edges"]} - {"Rex Rep"}
    expect(page.locator("select[name=assigneeId] option").first).to_have_text("Me")
    expect(page.locator("select[name=assigneeId] option")).to_have_count(len(names) + 1)  # all loaded
    assert set(page.locator("select[name=assigneeId] option").all_inner_texts()) == {"Me", *names}

    # The rep sees the head's task on a customer of the team, but may not complete or change it.
    page.goto(f"{rep.server}/tasks?task={task['id']}")
    row = rows(page).filter(has_text="The head's own follow-up")
    expect(row).to_have_count(1)
    expect(row.get_by_role("button")).to_have_count(0)
    expect(row.get_by_role("checkbox")).to_have_count(0)


def test_marketing_is_offered_no_task_actions(marketing: Session) -> None:
    page = marketing.page("/tasks")
    expect(page.locator("h1")).to_have_text("Tasks")
    expect(page.locator(".empty, " + ROWS).first).to_be_visible()
    expect(page.get_by_role("button", name="New task")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Mark done|Abort|Reschedule"))).to_have_count(0)
    expect(page.get_by_role("checkbox")).to_have_count(0)
