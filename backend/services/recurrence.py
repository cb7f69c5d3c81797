"""Recurring tasks: when the next occurrence is due.

Steps are taken on the assignee's wall clock (users.time_zone): a weekly 09:00 task stays at 09:00 across
a change to or from summer time. A monthly series keeps its day of the month (`day`): a task due on the
31st is due on the last day of shorter months and back on the 31st where there is one (Jan 31 → Feb 28
or 29 → Mar 31).
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.errors import BadUserInput
from backend.models import RepeatUnit

MAX_EVERY = {RepeatUnit.DAY: 365, RepeatUnit.WEEK: 52, RepeatUnit.MONTH: 24}
MAX_STEPS = 2000  # skipping occurrences that are past already: 2000 daily ones are five years behind


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def check(every: int | None, unit: RepeatUnit | None) -> tuple[int, RepeatUnit] | None:
    """A valid rule (every, unit), or None for "does not repeat"; BAD_USER_INPUT on `repeat` otherwise."""
    if every is None and unit is None:
        return None
    if every is None or unit is None:
        raise BadUserInput("repeat", "give both how many (every) and what (days, weeks or months)")
    if not 1 <= every <= MAX_EVERY[unit]:
        raise BadUserInput("repeat", f"every must be 1 to {MAX_EVERY[unit]} for {unit.value}s")
    return every, unit


def day_of(due: datetime, time_zone: str | None) -> int:
    """The day of the month a monthly series keeps: the due date's, on the assignee's calendar."""
    return due.astimezone(zone(time_zone)).day


def step(due: datetime, every: int, unit: RepeatUnit, day: int | None, time_zone: str | None) -> datetime:
    """The next due time after `due` (an aware datetime), returned in UTC."""
    tz = zone(time_zone)
    local = due.astimezone(tz).replace(tzinfo=None)  # the wall clock
    if unit is RepeatUnit.MONTH:
        months = local.month - 1 + every
        year, month = local.year + months // 12, months % 12 + 1
        wanted = day or local.day
        local = local.replace(year=year, month=month, day=min(wanted, calendar.monthrange(year, month)[1]))
    else:
        local += timedelta(days=every * (7 if unit is RepeatUnit.WEEK else 1))
    return local.replace(tzinfo=tz).astimezone(UTC)


def next_due(due: datetime, every: int, unit: RepeatUnit, day: int | None, time_zone: str | None,
             now: datetime) -> datetime:
    """The first occurrence after `due` that is still ahead of `now`: a task completed late does not
    leave a trail of occurrences that are overdue at birth."""
    following = step(due, every, unit, day, time_zone)
    for _ in range(MAX_STEPS):
        if following > now:
            break
        following = step(following, every, unit, day, time_zone)
    return following


def describe(every: int, unit: RepeatUnit) -> str:
    """"Repeats every 2 weeks", "Repeats every day"."""
    return f"Repeats every {unit.value}" if every == 1 else f"Repeats every {every} {unit.value}s"
