"""Free meeting slots: a user's working hours, in their time zone, minus what they are busy with.

Pure functions of their arguments (no database), so the arithmetic across time zones and daylight saving
changes is tested on its own. Every instant is an aware datetime in UTC; a working day is laid out in the
user's local wall-clock time and converted per day, so "09:00" stays 09:00 on both sides of a DST change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Hours:
    weekdays: frozenset[int]  # ISO weekdays, 1 = Monday
    start_minute: int  # after local midnight
    end_minute: int  # up to 24:00

    @property
    def start(self) -> str:
        return clock(self.start_minute)

    @property
    def end(self) -> str:
        return clock(self.end_minute)


DEFAULT_HOURS = Hours(frozenset({1, 2, 3, 4, 5}), 9 * 60, 17 * 60)


@dataclass(frozen=True)
class Slot:
    starts: datetime
    ends: datetime

    def overlaps(self, starts: datetime, ends: datetime) -> bool:
        return self.starts < ends and starts < self.ends


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def local_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The instant of local wall-clock `minute` on `day` (a time skipped by a DST change moves forward)."""
    day, minute = (day + timedelta(days=1), 0) if minute >= DAY_MINUTES else (day, minute)
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return wall.astimezone(UTC)


def free_slots(hours: Hours, zone: ZoneInfo, busy: Iterable[tuple[datetime, datetime]], minutes: int,
               now: datetime, until: datetime) -> list[Slot]:
    """Slots of `minutes` within working hours, starting at the day's start and every `minutes` after,
    from `now` (none in the past) to `until` (the link's expiry), overlapping nothing in `busy`."""
    taken = sorted(busy)
    length = timedelta(minutes=minutes)
    found: list[Slot] = []
    day = now.astimezone(zone).date()
    while local_instant(day, 0, zone) < until:
        if day.isoweekday() in hours.weekdays:
            at, day_end = local_instant(day, hours.start_minute, zone), local_instant(day, hours.end_minute, zone)
            while at + length <= day_end:
                slot = Slot(at, at + length)
                if at >= now and slot.ends <= until and not any(slot.overlaps(s, e) for s, e in taken):
                    found.append(slot)
                at += length
        day += timedelta(days=1)
    return found


def by_day(slots: Iterable[Slot], zone: ZoneInfo) -> list[tuple[date, list[Slot]]]:
    """The slots grouped by their local day, in order."""
    days: dict[date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(slot.starts.astimezone(zone).date(), []).append(slot)
    return sorted(days.items())
