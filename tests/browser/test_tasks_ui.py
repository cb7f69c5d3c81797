"""My tasks in a real browser: open tasks assigned to me, overdue first, mark done and re-schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import Session, shot


def test_my_tasks_overdue_first_done_and_rescheduled(head: Session, shots: Path) -> None:
    page = head.page("/tasks")
    rows = page.locator("table[aria-label='My tasks'] tbody tr")
    expect(rows.first).to_be_visible()
    overdue = rows.filter(has=page.locator(".badge-overdue")).count()
    if overdue:  # overdue tasks lead the list
        expect(rows.nth(overdue - 1).locator(".badge-overdue")).to_be_visible()
    shot(page, shots, "tasks")

    count = rows.count()
    rows.first.locator("button:has-text('Mark done')").click()
    expect(rows).to_have_count(count - 1)

    target = rows.first
    title = target.locator("strong").first.inner_text()
    target.locator("button:has-text('Re-schedule')").click()
    due = (datetime.now(UTC) + timedelta(days=30)).replace(hour=9, minute=30)
    page.locator("input[name=dueAt]").fill(due.strftime("%Y-%m-%dT%H:%M"))
    page.locator("tr", has=page.locator("input[name=dueAt]")).locator("button:has-text('Save')").click()
    moved = rows.filter(has_text=title).filter(has_text=due.strftime("%d %b %Y, 09:30"))
    expect(moved).to_have_count(1)
    expect(moved.locator(".badge-overdue")).to_have_count(0)
