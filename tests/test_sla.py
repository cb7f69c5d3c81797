"""SLA arithmetic (services/business_time.py, services/sla.py): business minutes over working hours,
weekends, holidays, daylight-saving changes and pauses. Every expectation is worked out by hand in the
comment beside it, not by the code under test."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from backend.models import Ticket, TicketPriority, TicketStatus
from backend.services import sla
from backend.services.business_time import (
    Calendar,
    NoWorkingTime,
    add_business_minutes,
    business_minutes_between,
)
from backend.services.slots import Hours

BERLIN = ZoneInfo("Europe/Berlin")
# Monday to Friday, 09:00-17:00 Berlin time. November 2026: Mon 2, Fri 6, Mon 9, Tue 10, Wed 11.
WEEK = Calendar(Hours(frozenset({1, 2, 3, 4, 5}), 9 * 60, 17 * 60), BERLIN)


def berlin(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


def test_within_one_working_day() -> None:
    # Mon 10:00 + 2 h = Mon 12:00
    assert add_business_minutes(berlin(2, 10), 120, WEEK) == berlin(2, 12)


def test_a_target_met_at_closing_time_is_due_at_closing() -> None:
    # Mon 16:00 + 1 h = Mon 17:00, not Tuesday 09:00
    assert add_business_minutes(berlin(2, 16), 60, WEEK) == berlin(2, 17)


def test_over_the_weekend() -> None:
    # Fri 16:00 + 4 h: 1 h on Friday (16-17), 3 h on Monday (09-12) → Mon 9 Nov 12:00
    assert add_business_minutes(berlin(6, 16), 240, WEEK) == berlin(9, 12)


def test_work_begun_outside_hours_starts_at_the_next_opening() -> None:
    # Sat 7 Nov 11:00 + 30 min → Mon 09:30; Mon 07:00 + 30 min → Mon 09:30 too
    assert add_business_minutes(berlin(7, 11), 30, WEEK) == berlin(9, 9, 30)
    assert add_business_minutes(berlin(9, 7), 30, WEEK) == berlin(9, 9, 30)
    # Fri 18:00 + 8 h → all of Monday → Mon 17:00
    assert add_business_minutes(berlin(6, 18), 480, WEEK) == berlin(9, 17)


def test_holidays_are_skipped() -> None:
    holiday = Calendar(WEEK.hours, BERLIN, frozenset({date(2026, 11, 9)}))
    # Fri 16:00 + 4 h with Monday off: 1 h Friday, 3 h Tuesday → Tue 10 Nov 12:00
    assert add_business_minutes(berlin(6, 16), 240, holiday) == berlin(10, 12)


def test_across_the_change_to_winter_time() -> None:
    # Clocks go back on Sunday 25 Oct 2026. Fri 23 Oct 16:00 CEST (14:00 UTC) + 2 h: 1 h Friday, 1 h Monday
    # → Mon 26 Oct 10:00 CET = 09:00 UTC (the working day stays 09:00-17:00 local on both sides).
    due = add_business_minutes(berlin(23, 16, month=10), 120, WEEK)
    assert due == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_business_minutes_between() -> None:
    # Fri 15:00 → Mon 10:30: 2 h Friday + 1.5 h Monday = 210 min
    assert business_minutes_between(berlin(6, 15), berlin(9, 10, 30), WEEK) == 210
    # a weekend alone holds no business time; an end before the start neither
    assert business_minutes_between(berlin(7, 0), berlin(9, 0), WEEK) == 0
    assert business_minutes_between(berlin(9, 12), berlin(9, 11), WEEK) == 0


def test_a_calendar_without_working_days_refuses() -> None:
    with pytest.raises(NoWorkingTime):
        add_business_minutes(berlin(2, 10), 60, Calendar(Hours(frozenset(), 540, 1020), BERLIN))


def _ticket(created: datetime, **fields: object) -> Ticket:
    values: dict[str, object] = {"paused_at": None, "paused_minutes": 0, "first_responded_at": None, **fields}
    return Ticket(id=1, created_at=created, priority=TicketPriority.NORMAL, status=TicketStatus.NEW, **values)


def test_the_clock_pauses_while_waiting_for_the_customer() -> None:
    goal = sla.Targets(first_response=60, resolution=8 * 60)
    ticket = _ticket(berlin(2, 10))
    # Running from Mon 10:00: first response Mon 11:00, resolution 8 h → Mon 17:00 (7 h) + Tue 1 h → Tue 10:00
    running = sla.clock(ticket, TicketStatus.OPEN, berlin(2, 10), WEEK, goal)
    assert running["first_response_due_at"] == berlin(2, 11)
    assert running["resolution_due_at"] == berlin(3, 10)
    assert running["queue_at"] == berlin(2, 11)
    # Answered at 10:30 and set waiting for the customer at Mon 11:00: no due times while paused
    ticket.first_responded_at = berlin(2, 10, 30)
    paused = sla.clock(ticket, TicketStatus.PENDING_CUSTOMER, berlin(2, 11), WEEK, goal)
    assert paused["paused_at"] == berlin(2, 11)
    assert paused["first_response_due_at"] is None and paused["resolution_due_at"] is None
    assert paused["queue_at"] == sla.QUEUE_END
    # The customer answers Tue 14:00: paused Mon 11-17 (6 h) + Tue 09-14 (5 h) = 660 business minutes.
    # Worked 1 h (Mon 10-11) of 8 h; the remaining 7 h run from Tue 14:00: Tue 14-17 (3 h) + Wed 09-13 (4 h).
    ticket.paused_at = paused["paused_at"]
    resumed = sla.clock(ticket, TicketStatus.OPEN, berlin(3, 14), WEEK, goal)
    assert resumed["paused_minutes"] == 660 and resumed["paused_at"] is None
    assert resumed["first_response_due_at"] is None  # met
    assert resumed["resolution_due_at"] == berlin(4, 13)
    assert resumed["queue_at"] == berlin(4, 13)


def test_a_pause_over_a_weekend_and_a_holiday_costs_only_the_business_time_in_it() -> None:
    holiday = Calendar(WEEK.hours, BERLIN, frozenset({date(2026, 11, 9)}))
    goal = sla.Targets(first_response=60, resolution=4 * 60)
    # Created Fri 6 Nov 15:00, paused Fri 16:00 → Tue 10 Nov 10:00: paused Fri 16-17 (1 h) + Tue 9-10 (1 h);
    # Saturday, Sunday and the Monday holiday hold no business time. 1 h worked of 4 h: due Tue 10:00 + 3 h.
    ticket = _ticket(berlin(6, 15), first_responded_at=berlin(6, 15, 30))
    ticket.paused_at = berlin(6, 16)
    resumed = sla.clock(ticket, TicketStatus.OPEN, berlin(10, 10), holiday, goal)
    assert resumed["paused_minutes"] == 120
    assert resumed["resolution_due_at"] == berlin(10, 13)
