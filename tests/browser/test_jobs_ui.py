"""Background jobs in a real browser: a task's reminder goes through the outbox and a `crm worker` to the
development mail catcher, where an admin reads it at /dev/mail; the admin's Jobs section lists jobs and
retries a failed one; everyone sets how they hear of reminders."""

from __future__ import annotations

import email
import email.policy
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from backend.devmail import _Catch, whole_messages
from tests.browser.conftest import ROOT, _free_port
from tests.browser.helpers import OPEN_PAGES, Session, shot_sizes

TITLE = "Call the Lisbon office"


def reminder_caught(folder: Path) -> bool:
    """Whether this task's reminder is among the caught mails. The worker may send others first: demo tasks'
    reminders that fell due since the demo was seeded (their times are offsets from the hour it was seeded,
    so which ones depends on the time of day the suite runs), morning mail, campaign summaries."""
    return any(TITLE in str(email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)["Subject"])
               for mail in whole_messages(folder))


@pytest.fixture(scope="module")
def caught(server: str, data_dir: Path, admin: Session) -> Iterator[Path]:
    """The reminder of a task, sent by a real worker process to a mail catcher writing into the server's
    /dev/mail folder (`crm serve` starts that catcher itself; the test server is plain uvicorn)."""
    remind = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    due = (datetime.now(UTC) + timedelta(hours=5)).isoformat()
    admin.graphql("mutation($input: LogActivityInput!) { logActivity(input: $input) { id } }",
                  input={"kind": "TASK", "title": TITLE, "dueAt": due, "remindAt": remind})
    folder = data_dir / "devmail"
    port = _free_port()
    catcher = Controller(_Catch(folder), hostname="127.0.0.1", port=port)
    catcher.start()
    env = {**os.environ, "CRM_DATA_DIR": str(data_dir), "CRM_DATABASE_URL": f"sqlite://{data_dir}/crm.sqlite3",
           "CRM_DEV_SMTP_PORT": str(port), "CRM_JOBS_POLL_SECONDS": "0.1", "CRM_REMINDER_SCAN_SECONDS": "0.5",
           "CRM_BROADCAST_URL": "memory://", "CRM_PUBLIC_URL": server}
    env.pop("CRM_SMTP_URL", None)
    worker = subprocess.Popen([sys.executable, "-m", "backend.cli", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180  # the worker process starts first: slow on a busy machine
        while not reminder_caught(folder):
            assert worker.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "no mail caught"
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(10)
        catcher.stop()
    # A job that ran out of attempts, for the admin to retry.
    with sqlite3.connect(data_dir / "crm.sqlite3") as db:
        now = datetime.now(UTC).isoformat()
        db.execute('INSERT INTO "job" ("kind", "payload", "status", "attempts", "max_attempts", "run_at", '
                   '"last_error", "created_at", "finished_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
                   ("outbox.deliver", '{"id": 0}', "failed", 8, 8, now,
                    "Traceback …\nSMTPConnectError: connection refused by mail.example.com", now, now))
    yield folder


def test_admin_reads_the_caught_reminder_at_dev_mail(admin: Session, caught: Path, shots: Path) -> None:
    page = admin.context.new_page()
    OPEN_PAGES.append(page)
    page.goto(f"{admin.server}/dev/mail")
    link = page.get_by_role("link", name=f"Reminder: {TITLE}", exact=False)
    expect(link).to_be_visible()
    expect(page.locator("table")).to_contain_text("admin@example.com")
    shot_sizes(page, shots, "dev-mail")
    link.click()
    expect(page.locator("pre")).to_contain_text(f'your reminder for the task "{TITLE}"')
    expect(page.locator("pre")).to_contain_text(f"{admin.server}/tasks")
    shot_sizes(page, shots, "dev-mail-message")
    page.get_by_role("link", name="Open the HTML part").click()
    expect(page.get_by_role("link", name="Open your tasks")).to_be_visible()


def test_dev_mail_is_for_admins_only(rep: Session, caught: Path) -> None:
    page = rep.context.new_page()
    OPEN_PAGES.append(page)
    response = page.goto(f"{rep.server}/dev/mail")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("Admins only")


def test_admin_sees_jobs_and_retries_a_failed_one(admin: Session, caught: Path, shots: Path) -> None:
    page = admin.page("/admin/jobs")
    expect(page.locator(".admin-tabs .tab.active")).to_have_text("Jobs")
    table = page.locator("table[aria-label=Jobs]")
    expect(table).to_contain_text("outbox.deliver")
    expect(table).to_contain_text("reminders.scan")
    page.get_by_role("tab", name="Failed").click()
    failed = table.locator("tbody tr")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("connection refused by mail.example.com")
    shot_sizes(page, shots, "admin-jobs")
    failed.get_by_role("button", name="Retry now").click()
    expect(page.get_by_text("No jobs here.")).to_be_visible()
    page.get_by_role("tab", name="Waiting").click()
    expect(table.locator("tbody tr").filter(has_text="outbox.deliver").first).to_contain_text("0 of 8")


def test_a_user_turns_reminder_emails_off(rep: Session, shots: Path) -> None:
    page = rep.page("/admin/notifications")
    row = page.locator("tr[data-kind=task_reminder]")
    email = row.locator("select[name=task_reminder-email]")
    expect(email).to_have_value("each")
    email.select_option("off")
    expect(row.get_by_role("status")).to_have_text("Saved")
    expect(email).to_have_value("off")
    shot_sizes(page, shots, "notification-settings")
    saved = rep.graphql("{ notificationPreferences { kind inApp email } }")["notificationPreferences"]
    assert {"kind": "task_reminder", "inApp": True, "email": False} in saved
    rep.graphql("mutation { setNotificationPreference(input: {kind: \"task_reminder\", inApp: true, email: true}) "
                "{ kind } }")  # as it was, for the tests after this one
