"""How the UI writes moments: in the browser's time zone, calendar dates unchanged, typed times with their offset."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo

from frontend import format as fmt

TOKYO = ZoneInfo("Asia/Tokyo")


def in_zone(zone: tzinfo, call: Callable[..., str], *args: str) -> str:
    """Run `call` in a fresh context whose render set `zone`, as the session hook does."""

    def run() -> str:
        fmt.use_zone(zone)
        return call(*args)

    return contextvars.copy_context().run(run)


def test_a_moment_reads_in_the_zone_set_for_the_render() -> None:
    assert in_zone(TOKYO, fmt.moment, "2026-12-24T23:30:00+00:00") == "25 Dec 2026, 08:30"
    assert in_zone(TOKYO, fmt.day, "2026-12-24T23:30:00+00:00") == "25 Dec 2026"
    assert fmt.moment("2026-12-24T23:30:00+00:00") == "24 Dec 2026, 23:30"  # no zone said: UTC


def test_a_calendar_date_is_the_same_day_everywhere() -> None:
    assert in_zone(ZoneInfo("America/Los_Angeles"), fmt.day, "2026-12-01") == "01 Dec 2026"


def test_a_typed_time_is_the_users_wall_clock() -> None:
    assert fmt.from_local("2027-01-05T09:00", TOKYO) == "2027-01-05T09:00:00+09:00"
    assert fmt.from_local("2027-01-05T09:00", UTC) == "2027-01-05T09:00:00+00:00"


def test_an_unknown_zone_name_falls_back_to_utc() -> None:
    assert fmt.zone_named("Mars/Olympus_Mons") is UTC
    assert fmt.zone_named("") is UTC
    assert fmt.zone_named("../../etc/passwd") is UTC
    assert fmt.zone_named("Asia/Tokyo") == TOKYO


def test_plural_counts_one_and_many() -> None:
    from frontend import format as fmt

    assert (fmt.plural(1, "deal"), fmt.plural(0, "deal"), fmt.plural(2, "entry", "entries")) == (
        "1 deal", "0 deals", "2 entries")
