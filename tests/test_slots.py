"""Free slots (services/slots.py): working hours in the user's zone minus their meetings, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from backend.services.slots import DEFAULT_HOURS, Hours, by_day, free_slots

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def starts(slots: list, zone: ZoneInfo) -> list[str]:
    return [s.starts.astimezone(zone).strftime("%a %d %H:%M") for s in slots]


def test_working_hours_stay_local_across_the_autumn_change_in_berlin() -> None:
    """Europe leaves summer time on Sunday 25 October 2026: 09:00 is 07:00 UTC on the Friday before and
    08:00 UTC on the Monday after; the weekend is not offered; slots already begun are not offered."""
    now = utc(2026, 10, 23, 8, 30)  # Friday 10:30 in Berlin
    slots = free_slots(DEFAULT_HOURS, BERLIN, [], 60, now, now + timedelta(days=4))
    local = starts(slots, BERLIN)
    assert local[:6] == ["Fri 23 11:00", "Fri 23 12:00", "Fri 23 13:00", "Fri 23 14:00", "Fri 23 15:00", "Fri 23 16:00"]
    assert local[6:] == [f"Mon 26 {h:02d}:00" for h in range(9, 17)]
    friday, monday = slots[0], slots[6]
    assert friday.starts == utc(2026, 10, 23, 9) and monday.starts == utc(2026, 10, 26, 8)
    assert all(s.ends - s.starts == timedelta(hours=1) for s in slots)
    assert [day.isoformat() for day, _ in by_day(slots, BERLIN)] == ["2026-10-23", "2026-10-26"]


def test_meetings_take_their_slots_and_overlaps_count() -> None:
    now = utc(2026, 10, 26, 6)  # Monday 07:00 in Berlin (winter time)
    busy = [(utc(2026, 10, 26, 9, 30), utc(2026, 10, 26, 10, 15)),  # 10:30–11:15 local: two hours touched
            (utc(2026, 10, 26, 14), utc(2026, 10, 26, 15))]  # 15:00–16:00 local, exactly one slot
    slots = free_slots(DEFAULT_HOURS, BERLIN, busy, 60, now, now + timedelta(hours=18))
    assert starts(slots, BERLIN) == ["Mon 26 09:00", "Mon 26 12:00", "Mon 26 13:00", "Mon 26 14:00", "Mon 26 16:00"]


def test_the_same_instant_reads_in_each_users_zone_and_their_own_dst() -> None:
    """New York changes a week later (1 November 2026): in the week between, 09:00 there is 13:00 UTC, and
    from the Monday after, 14:00 UTC. Half-hour slots follow each zone's own wall clock."""
    hours = Hours(frozenset({1, 5}), 9 * 60, 10 * 60)  # Mondays and Fridays, 09:00–10:00
    now = utc(2026, 10, 30, 0)
    slots = free_slots(hours, NEW_YORK, [], 30, now, now + timedelta(days=4))
    assert [s.starts for s in slots] == [utc(2026, 10, 30, 13), utc(2026, 10, 30, 13, 30),
                                        utc(2026, 11, 2, 14), utc(2026, 11, 2, 14, 30)]
    assert starts(slots, NEW_YORK) == ["Fri 30 09:00", "Fri 30 09:30", "Mon 02 09:00", "Mon 02 09:30"]


def test_the_spring_change_and_the_end_of_the_link() -> None:
    """Berlin skips 02:00–03:00 on 29 March 2026: hours from 01:00 to 04:00 have two hours that night.
    Nothing is offered past `until`, the link's expiry."""
    hours = Hours(frozenset(range(1, 8)), 1 * 60, 4 * 60)
    now = utc(2026, 3, 28, 0)
    slots = free_slots(hours, BERLIN, [], 60, now, utc(2026, 3, 29, 12))
    assert starts(slots, BERLIN) == ["Sat 28 01:00", "Sat 28 02:00", "Sat 28 03:00", "Sun 29 01:00", "Sun 29 03:00"]
    assert free_slots(hours, BERLIN, [], 60, now, utc(2026, 3, 28, 1, 30)) == [
        s for s in slots if s.ends <= utc(2026, 3, 28, 1, 30)]
