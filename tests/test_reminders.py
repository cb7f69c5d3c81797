"""Task reminders (services/reminders.py): a day before due by default, editable, sent once in the app
and by email as the user chose, also when they fell due while no worker ran, and by two workers at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.models import Activity, AuditEntry, Notification, OutboxMessage, Role
from backend.services import reminders
from backend.settings import get_settings
from backend.worker import Worker
from tests.factories import error, log_activity, make_user, ok, setting  # noqa: F401  (setting: a fixture)
from tests.mailserver import smtp_server
from tests.servers import START_TIMEOUT, until
from tests.test_outbox import inbox, run_jobs_until_idle, stop, worker_process  # noqa: F401  (inbox: a fixture)

UPDATE = "mutation($input: UpdateTaskInput!) { updateTask(input: $input) { version remindAt dueAt } }"
PREFERENCE = ("mutation($input: SetNotificationPreferenceInput!) "
              "{ setNotificationPreference(input: $input) { kind inApp email } }")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_a_task_is_reminded_a_day_before_due_by_default(db: str) -> None:
    rep = await make_user(Role.SALES_REP)
    due = datetime.now(UTC) + timedelta(days=3)
    task = await log_activity(rep, kind="TASK", dueAt=due.isoformat())
    row = await Activity.get(id=task["id"])
    assert row.remind_at == due - timedelta(days=1)


def test_a_task_due_within_a_day_is_reminded_when_due() -> None:
    now = datetime.now(UTC)
    assert reminders.default_remind_at(now + timedelta(hours=3), now) == now + timedelta(hours=3)
    assert reminders.default_remind_at(now - timedelta(hours=3), now) is None


async def test_the_reminder_is_editable_and_follows_a_new_due_date(db: str) -> None:
    rep = await make_user(Role.SALES_REP)
    due = datetime.now(UTC) + timedelta(days=3)
    task = await log_activity(rep, kind="TASK", dueAt=due.isoformat())
    at = due - timedelta(hours=2)
    data = await ok(rep, UPDATE, input={"id": task["id"], "version": task["version"], "remindAt": at.isoformat()})
    assert _at(data["updateTask"]["remindAt"]) == at
    later = due + timedelta(days=2)
    data = await ok(rep, UPDATE, input={"id": task["id"], "version": data["updateTask"]["version"],
                                        "dueAt": later.isoformat()})
    assert _at(data["updateTask"]["remindAt"]) == later - timedelta(days=1)
    data = await ok(rep, UPDATE, input={"id": task["id"], "version": data["updateTask"]["version"], "remindAt": None})
    assert data["updateTask"]["remindAt"] is None
    found = await error(rep, UPDATE, input={"id": task["id"], "version": data["updateTask"]["version"],
                                            "remindAt": (later + timedelta(hours=1)).isoformat()})
    assert found["code"] == "BAD_USER_INPUT" and found["field"] == "remindAt"


async def _due_task(who: Any, title: str = "Call Bob", minutes_ago: int = 5) -> Activity:
    """A task whose reminder fell due `minutes_ago` (while, say, no server ran)."""
    task = await log_activity(who, kind="TASK", title=title)
    await Activity.filter(id=task["id"]).update(remind_at=datetime.now(UTC) - timedelta(minutes=minutes_ago))
    return await Activity.get(id=task["id"])


async def test_a_reminder_due_while_down_is_sent_once_after_start(db: str, inbox: Any) -> None:  # noqa: F811 (a fixture)
    box, _ = inbox
    rep = await make_user(Role.SALES_REP, email="rep.remind@example.com")
    task = await _due_task(rep)
    stop_event = asyncio.Event()
    runner = asyncio.create_task(Worker(get_settings()).run(stop_event))  # the server comes back
    try:
        await until(lambda: len(box.to("rep.remind@example.com")) == 1, what="the reminder mail")
        await asyncio.sleep(0.5)  # two more scans: a twin would show now
    finally:
        stop_event.set()
        await runner
    assert len(box.to("rep.remind@example.com")) == 1
    assert "Call Bob" in str(box.messages[0]["Subject"])
    [note] = await Notification.filter(user_id=rep.id, kind="task_reminder")
    assert note.entity_id == task.id and "Call Bob" in note.message
    assert (await Activity.get(id=task.id)).reminded_at is not None
    assert await AuditEntry.filter(action="task.remind", entity_id=str(task.id)).count() == 1
    await reminders.send_due()  # a later scan finds nothing left
    await run_jobs_until_idle()
    assert len(box.messages) == 1 and await Notification.filter(kind="task_reminder").count() == 1


async def test_preferences_choose_in_app_or_email(db: str, inbox: Any) -> None:  # noqa: F811 (a fixture)
    box, _ = inbox
    app_only = await make_user(Role.SALES_REP, email="app@example.com")
    mail_only = await make_user(Role.SALES_REP, email="mail@example.com")
    assert (await ok(app_only, PREFERENCE, input={"kind": "task_reminder", "inApp": True, "email": False}))
    assert (await ok(mail_only, PREFERENCE, input={"kind": "task_reminder", "inApp": False, "email": True}))
    listed = await ok(app_only, "{ notificationPreferences { kind inApp email } }")
    assert {"kind": "task_reminder", "inApp": True, "email": False} in listed["notificationPreferences"]
    await _due_task(app_only)
    await _due_task(mail_only)
    assert await reminders.send_due() == 2
    await run_jobs_until_idle()
    assert [m["To"] for m in box.messages] == ["mail@example.com"]
    assert [n.user_id for n in await Notification.filter(kind="task_reminder")] == [app_only.id]


async def test_an_unknown_preference_kind_names_the_field(db: str) -> None:
    rep = await make_user(Role.SALES_REP)
    found = await error(rep, PREFERENCE, input={"kind": "nope", "inApp": True, "email": True})
    assert found["code"] == "BAD_USER_INPUT" and found["field"] == "kind"


async def test_a_done_task_is_not_reminded(db: str, inbox: Any) -> None:  # noqa: F811 (a fixture)
    rep = await make_user(Role.SALES_REP)
    task = await _due_task(rep)
    await ok(rep, "mutation($input: CompleteTaskInput!) { completeTask(input: $input) { taskStatus } }",
             input={"id": str(task.id), "version": task.version})
    assert await reminders.send_due() == 0


async def test_overdue_digest_once_a_day(db: str, inbox: Any) -> None:  # noqa: F811 (a fixture)
    box, _ = inbox
    rep = await make_user(Role.SALES_REP, email="late@example.com")
    await log_activity(rep, kind="TASK", title="Late one", dueAt=(datetime.now(UTC) - timedelta(days=1)).isoformat())
    morning = datetime.now(UTC).replace(hour=8, minute=0)  # the rep's (UTC) morning: tests/test_digest.py for zones
    assert await reminders.send_overdue_digest(morning) == 1
    assert await reminders.send_overdue_digest(morning + timedelta(minutes=15)) == 0  # the same day again: nothing
    await run_jobs_until_idle()
    [mail] = box.to("late@example.com")
    assert "1 overdue task" in str(mail["Subject"])


async def _all_sent() -> bool:
    return not await OutboxMessage.filter(sent_at=None).exists()


async def test_two_worker_processes_send_each_reminder_once(db: str, setting: Any) -> None:  # noqa: F811 (a fixture)
    if not db.startswith("postgres"):
        pytest.skip("several worker processes on one database: PostgreSQL (SQLite runs one embedded worker)")
    rep = await make_user(Role.SALES_REP, email="many@example.com")
    tasks = [await _due_task(rep, title=f"Task {n}") for n in range(20)]
    with smtp_server() as (box, url):
        workers = [worker_process(db, url), worker_process(db, url)]
        try:
            await until(lambda: len(box.messages) >= len(tasks), timeout=START_TIMEOUT, what="every reminder mail")
            await until(_all_sent, what="every message marked sent")
            await asyncio.sleep(1)  # more scans by both: a twin would show now
        finally:
            for process in workers:
                stop(process)
    assert sorted(str(m["Subject"]).split(" is due")[0] for m in box.messages) == sorted(
        f"Reminder: Task {n}" for n in range(20))
    assert await Notification.filter(kind="task_reminder").count() == len(tasks)
