"""Named periods ("this quarter", "last week") as inclusive date ranges on the caller's calendar."""

from __future__ import annotations

from datetime import date, timedelta

UNITS = ("day", "week", "month", "quarter", "year")
SHIFTS = {"this": 0, "current": 0, "last": -1, "previous": -1, "past": -1, "next": 1, "coming": 1}


def _month_start(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period(shift: int, unit: str, today: date) -> tuple[date, date]:
    """The `unit` that holds today moved by `shift` units: (first day, last day). Weeks start on Monday."""
    if unit == "day":
        day = today + timedelta(days=shift)
        return day, day
    if unit == "week":
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=shift)
        return start, start + timedelta(days=6)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    first = _month_start(today, -((today.month - 1) % months)) if unit != "year" else date(today.year, 1, 1)
    start = _month_start(first, shift * months)
    return start, _month_start(start, months) - timedelta(days=1)
