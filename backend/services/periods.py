"""Calendar periods of quotas and dashboards (month, quarter, year), in UTC like the reports' months: where a
period starts and ends, whether a date starts one, and how much of it has gone by."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from backend.models import QuotaPeriod

MONTHS = {QuotaPeriod.MONTH: 1, QuotaPeriod.QUARTER: 3, QuotaPeriod.YEAR: 12}


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_start(period: QuotaPeriod, day: date) -> date:
    """The first day of the period holding `day`."""
    if period is QuotaPeriod.YEAR:
        return date(day.year, 1, 1)
    if period is QuotaPeriod.QUARTER:
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, day.month, 1)


def period_end(period: QuotaPeriod, start: date) -> date:
    """The first day after the period starting on `start` (ends are exclusive: a deal closing at midnight
    UTC on the 1st counts for the month it opens)."""
    return _add_months(start, MONTHS[period])


def starts_period(period: QuotaPeriod, day: date) -> bool:
    return period_start(period, day) == day


def months_of(period: QuotaPeriod, start: date) -> list[date]:
    """The first days of the months the period is made of (reports group closed deals by month)."""
    return [_add_months(start, i) for i in range(MONTHS[period])]


def elapsed(period: QuotaPeriod, start: date, today: date) -> float:
    """The share of the period gone by at the end of `today` (0 before it starts, 1 once over): pace is the
    quota times this, so by the last day the whole quota is due."""
    end = period_end(period, start)
    if today < start:
        return 0.0
    if today >= end:
        return 1.0
    return ((today - start).days + 1) / (end - start).days


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """A period's days as a half-open range of aware instants (UTC midnights)."""
    return datetime.combine(start, time(), UTC), datetime.combine(end, time(), UTC)
