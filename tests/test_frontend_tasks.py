"""The tasks screen's views as filters (frontend/pages/tasks.py): "Due this week" ends at midnight after Sunday
on the user's own calendar, read at a pinned moment (the week edges, where a UTC week was wrong)."""

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import pytest

from frontend.export_lists import Viewer, task_variables
from frontend.pages.tasks import end_of_week, task_filter

BERLIN, NEW_YORK, TOKYO = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")


def week_end(zone: tzinfo, now: datetime) -> datetime:
    return datetime.fromisoformat(task_filter("week", False, zone, now)["dueBefore"])


@pytest.mark.parametrize(("zone", "now", "ends"), [
    # Sunday 23:30 in Berlin is 22:30 UTC: the week ends in half an hour, at 23:00 UTC (not 00:00 UTC).
    (BERLIN, datetime(2026, 12, 6, 22, 30, tzinfo=UTC), datetime(2026, 12, 6, 23, 0, tzinfo=UTC)),
    # Sunday 20:00 in New York is Monday 01:00 UTC: still this week, ending at 05:00 UTC, not a week later.
    (NEW_YORK, datetime(2026, 12, 7, 1, 0, tzinfo=UTC), datetime(2026, 12, 7, 5, 0, tzinfo=UTC)),
    # Monday 08:00 in Tokyo is Sunday 23:00 UTC: a new week there, ending the next Sunday night, Tokyo time.
    (TOKYO, datetime(2026, 12, 6, 23, 0, tzinfo=UTC), datetime(2026, 12, 13, 15, 0, tzinfo=UTC)),
    # Sunday 28 March 2027, the day Berlin moves to summer time: the week ends at 00:00 CEST (22:00 UTC).
    (BERLIN, datetime(2027, 3, 28, 0, 59, tzinfo=UTC), datetime(2027, 3, 28, 22, 0, tzinfo=UTC)),
    # A user whose browser named no zone reads the week in UTC; just after midnight it is a new week.
    (UTC, datetime(2026, 12, 7, 0, 0, 30, tzinfo=UTC), datetime(2026, 12, 14, 0, 0, tzinfo=UTC)),
    (UTC, datetime(2026, 12, 6, 23, 59, 30, tzinfo=UTC), datetime(2026, 12, 7, 0, 0, tzinfo=UTC)),
])
def test_due_this_week_ends_at_the_users_own_sunday_midnight(zone: tzinfo, now: datetime, ends: datetime) -> None:
    assert week_end(zone, now) == ends
    local = week_end(zone, now).astimezone(zone)
    assert (local.isoweekday(), local.hour, local.minute) == (1, 0, 0)  # midnight starting a Monday, theirs


def test_the_week_view_lists_open_tasks_not_overdue_the_others_need_no_clock() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # a Wednesday
    assert task_filter("week", True, BERLIN, now) == {
        "kind": ["TASK"], "open": True, "myTeam": True, "overdue": False, "dueBefore": "2026-12-07T00:00:00+01:00"}
    assert task_filter("overdue", False, BERLIN) == {"kind": ["TASK"], "open": True, "mine": True, "overdue": True}
    assert task_filter("mine", True, BERLIN) == {"kind": ["TASK"], "open": True, "mine": True}
    assert end_of_week(datetime(2026, 12, 7, 0, 0, tzinfo=BERLIN)) == datetime(2026, 12, 14, 0, 0, tzinfo=BERLIN)


def test_the_week_exported_is_the_viewers_week_too() -> None:
    """The export of "Due this week" (frontend/export_lists.py) ends the week where the screen does: at the
    viewer's own Monday midnight (their browser's zone; the command line's UTC)."""
    for zone in (BERLIN, NEW_YORK, TOKYO, UTC):
        ends = datetime.fromisoformat(task_variables({"view": "week"}, Viewer("1", "SALES_REP", zone))["filter"]["dueBefore"])
        local = ends.astimezone(zone)
        assert (local.isoweekday(), local.hour, local.minute) == (1, 0, 0) and ends > datetime.now(UTC), zone
    assert Viewer("", "ADMIN").zone is UTC
