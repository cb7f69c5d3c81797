"""Recurring tasks (services/recurrence.py, activities.complete_task): every N days, weeks or months on the
assignee's wall clock, month ends kept, and completing one makes exactly one next occurrence."""

from __future__ import annotations

import asyncio
import calendar
from datetime import UTC, datetime, timedelta

from backend.models import Activity, AuditEntry, RepeatUnit, Role
from backend.services import recurrence
from tests.factories import error, gql, log_activity, make_user, ok

COMPLETE = "mutation($input: CompleteTaskInput!) { completeTask(input: $input) { taskStatus version } }"
UPDATE = "mutation($input: UpdateTaskInput!) { updateTask(input: $input) { version repeat { every unit label } } }"
TASK = "query($id: ID!) { activity(id: $id) { dueAt remindAt repeat { every unit label } } }"
PAST = datetime(2000, 1, 1, tzinfo=UTC)


def test_a_month_from_the_31st_is_the_last_day_of_shorter_months_and_the_31st_again() -> None:
    jan31 = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
    feb = recurrence.step(jan31, 1, RepeatUnit.MONTH, 31, "UTC")
    assert feb == datetime(2027, 2, 28, 9, 0, tzinfo=UTC)
    assert recurrence.step(feb, 1, RepeatUnit.MONTH, 31, "UTC") == datetime(2027, 3, 31, 9, 0, tzinfo=UTC)
    leap = datetime(2028, 1, 31, 9, 0, tzinfo=UTC)
    assert recurrence.step(leap, 1, RepeatUnit.MONTH, 31, "UTC") == datetime(2028, 2, 29, 9, 0, tzinfo=UTC)
    assert recurrence.step(datetime(2027, 11, 30, tzinfo=UTC), 3, RepeatUnit.MONTH, 30, "UTC") == datetime(
        2028, 2, 29, tzinfo=UTC)


def test_steps_keep_the_wall_clock_of_the_assignees_zone_across_summer_time() -> None:
    # 09:00 in Berlin on Friday 26 March 2027 (CET, UTC+1); a week later Berlin is on CEST (UTC+2).
    due = datetime(2027, 3, 26, 8, 0, tzinfo=UTC)
    assert recurrence.step(due, 1, RepeatUnit.WEEK, None, "Europe/Berlin") == datetime(2027, 4, 2, 7, 0, tzinfo=UTC)
    assert recurrence.step(due, 1, RepeatUnit.WEEK, None, "UTC") == datetime(2027, 4, 2, 8, 0, tzinfo=UTC)
    # The 31st in Tokyo is the 30th in UTC: the month end is the one on the assignee's calendar.
    tokyo = datetime(2027, 1, 30, 16, 0, tzinfo=UTC)  # Sunday 31 January 2027, 01:00 in Tokyo
    assert recurrence.step(tokyo, 1, RepeatUnit.MONTH, 31, "Asia/Tokyo") == datetime(2027, 2, 27, 16, 0, tzinfo=UTC)


def test_a_task_completed_late_skips_occurrences_already_past() -> None:
    due = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    now = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
    assert recurrence.next_due(due, 1, RepeatUnit.WEEK, None, "UTC", now) == datetime(2026, 1, 26, 9, 0, tzinfo=UTC)
    assert recurrence.describe(2, RepeatUnit.WEEK) == "Repeats every 2 weeks"
    assert recurrence.describe(1, RepeatUnit.DAY) == "Repeats every day"


async def test_completing_a_monthly_task_due_on_the_31st_makes_the_next_on_the_months_last_day(db: str) -> None:
    rep = await make_user(Role.SALES_REP)
    # Next year's 31 January, so the series is ahead of today whenever this runs (completing a task skips
    # occurrences already past: a fixed 2027 would make the next one due in some later month once 2027 came).
    year = datetime.now(UTC).year + 1
    due = datetime(year, 1, 31, 9, 0, tzinfo=UTC)
    task = await log_activity(rep, kind="TASK", title="Monthly report", dueAt=due.isoformat(),
                              remindAt=(due - timedelta(hours=2)).isoformat(), repeat={"every": 1, "unit": "MONTH"})
    shown = await ok(rep, TASK, id=task["id"])
    assert shown["activity"]["repeat"] == {"every": 1, "unit": "MONTH", "label": "Repeats every month"}
    await ok(rep, COMPLETE, input={"id": task["id"], "version": task["version"]})
    following = await Activity.get(previous_id=int(task["id"]))
    assert following.due_at == datetime(year, 2, calendar.monthrange(year, 2)[1], 9, 0, tzinfo=UTC)  # 28th or 29th
    assert following.remind_at == following.due_at - timedelta(hours=2)  # the reminder shifted with it
    assert following.title == "Monthly report" and following.assignee_id == rep.id and following.reminded_at is None
    assert (following.repeat_every, following.repeat_unit, following.repeat_day) == (1, RepeatUnit.MONTH, 31)
    assert await AuditEntry.filter(action="task.recur", entity_id=str(following.id)).count() == 1
    # ... and the one after it is back on the 31st.
    await ok(rep, COMPLETE, input={"id": str(following.id), "version": following.version})
    third = await Activity.get(previous_id=following.id)
    assert third.due_at == datetime(year, 3, 31, 9, 0, tzinfo=UTC)


async def test_two_concurrent_completions_make_one_next_occurrence(db: str) -> None:
    rep = await make_user(Role.SALES_REP)
    due = datetime.now(UTC) + timedelta(days=2)
    task = await log_activity(rep, kind="TASK", title="Weekly call", dueAt=due.isoformat(),
                              repeat={"every": 2, "unit": "WEEK"})
    done = {"id": task["id"], "version": task["version"]}
    results = await asyncio.gather(*(gql(rep, COMPLETE, input=done) for _ in range(2)))
    assert sorted(bool(r.errors) for r in results) == [False, True]
    [error_result] = [r for r in results if r.errors]
    assert error_result.errors[0].extensions["code"] in ("CONFLICT", "BAD_USER_INPUT")
    [following] = await Activity.filter(previous_id=int(task["id"]))
    assert following.due_at == due + timedelta(weeks=2)
    # Completing it again (stale version, or as a final task) is refused and makes nothing more.
    again = await error(rep, COMPLETE, input={"id": task["id"], "version": task["version"] + 1})
    assert again["code"] == "BAD_USER_INPUT" and again["field"] == "taskStatus"
    assert await Activity.filter(previous_id=int(task["id"])).count() == 1


async def test_a_second_occurrence_of_the_same_task_is_impossible_even_if_it_is_done_again(db: str) -> None:
    """Were the task re-opened and completed again (by an admin's repair, an import…), the unique link to
    its predecessor still allows one next occurrence only."""
    rep = await make_user(Role.SALES_REP)
    task = await log_activity(rep, kind="TASK", dueAt=(datetime.now(UTC) + timedelta(days=1)).isoformat(),
                              repeat={"every": 1, "unit": "DAY"})
    await ok(rep, COMPLETE, input={"id": task["id"], "version": task["version"]})
    await Activity.filter(id=int(task["id"])).update(task_status="scheduled", completed_at=None)  # re-opened
    row = await Activity.get(id=int(task["id"]))
    await ok(rep, COMPLETE, input={"id": task["id"], "version": row.version})
    assert await Activity.filter(previous_id=int(task["id"])).count() == 1


async def test_editing_stops_the_repetition_and_a_wrong_rule_names_the_field(db: str) -> None:
    rep = await make_user(Role.SALES_REP)
    task = await log_activity(rep, kind="TASK", dueAt=(datetime.now(UTC) + timedelta(days=1)).isoformat(),
                              repeat={"every": 3, "unit": "DAY"})
    wrong = await error(rep, UPDATE, input={"id": task["id"], "version": task["version"],
                                            "repeat": {"every": 0, "unit": "DAY"}})
    assert wrong["code"] == "BAD_USER_INPUT" and wrong["field"] == "repeat"
    stopped = await ok(rep, UPDATE, input={"id": task["id"], "version": task["version"], "repeat": None})
    assert stopped["updateTask"]["repeat"] is None
    await ok(rep, COMPLETE, input={"id": task["id"], "version": stopped["updateTask"]["version"]})
    assert not await Activity.exists(previous_id=int(task["id"]))
    note = await error(rep, "mutation($input: LogActivityInput!) { logActivity(input: $input) { id } }",
                       input={"kind": "NOTE", "title": "n", "repeat": {"every": 1, "unit": "DAY"}})
    assert note["code"] == "BAD_USER_INPUT" and note["field"] == "repeat"


async def test_an_aborted_recurring_task_ends_its_series(db: str) -> None:
    rep = await make_user(Role.SALES_REP)
    task = await log_activity(rep, kind="TASK", dueAt=(datetime.now(UTC) + timedelta(days=1)).isoformat(),
                              repeat={"every": 1, "unit": "WEEK"})
    await ok(rep, UPDATE, input={"id": task["id"], "version": task["version"], "taskStatus": "ABORTED"})
    assert not await Activity.exists(previous_id=int(task["id"]))
