"""Business time: the support desk's working hours laid over real time, for SLA targets.

Pure functions of their arguments (no database), so the arithmetic over weekends, holidays, pauses and
daylight-saving changes is tested on its own. A working day is laid out in the calendar's local wall-clock
time (slots.local_instant, shared with meeting slots), so "09:00" stays 09:00 on both sides of a DST change.
Every instant is an aware datetime.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from backend.services.slots import DEFAULT_HOURS, Hours, local_instant

MAX_DAYS = 3 * 366  # a target further than this is a calendar without working time, not a due date


class NoWorkingTime(ValueError):
    """The calendar has no working day within MAX_DAYS: no target can ever be reached."""


@dataclass(frozen=True)
class Calendar:
    hours: Hours
    zone: ZoneInfo
    holidays: frozenset[date] = frozenset()

    def works_on(self, day: date) -> bool:
        return day.isoweekday() in self.hours.weekdays and day not in self.holidays

    def windows(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working windows (open, close) from the local day holding `since` on, in order."""
        day = since.astimezone(self.zone).date()
        for _ in range(MAX_DAYS):
            if self.works_on(day):
                yield (local_instant(day, self.hours.start_minute, self.zone),
                       local_instant(day, self.hours.end_minute, self.zone))
            day += timedelta(days=1)


DEFAULT_CALENDAR = Calendar(DEFAULT_HOURS, ZoneInfo("UTC"))


def add_business_minutes(start: datetime, minutes: float, calendar: Calendar) -> datetime:
    """The instant `minutes` of working time after `start` (work begun outside hours starts at the next
    opening; a target met exactly at closing time is due at closing, not at the next opening)."""
    left = timedelta(minutes=minutes)
    for opens, closes in calendar.windows(start):
        at = max(opens, start)
        if at >= closes:
            continue
        if at + left <= closes:
            return at + left
        left -= closes - at
    raise NoWorkingTime(f"no working time within {MAX_DAYS} days")


def business_minutes_between(start: datetime, end: datetime, calendar: Calendar) -> int:
    """Whole minutes of working time from `start` to `end` (0 when `end` is not after `start`)."""
    if end <= start:
        return 0
    total = timedelta()
    for opens, closes in calendar.windows(start):
        if opens >= end:
            break
        total += max(timedelta(), min(closes, end) - max(opens, start))
    return int(total.total_seconds() // 60)
