"""How values read in the UI: money, dates, enum names.

Moments (the API's timestamps) read in the browser's time zone: the session hook sets it for the render
under way (`use_zone`), so every screen gets it without passing it around. Calendar dates (a close date,
a campaign's first day) are no moments and stay as they are."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.lost_text import readable

_ZONE: ContextVar[tzinfo] = ContextVar("crm_zone", default=UTC)


def zone_named(name: str | None) -> tzinfo:
    """The zone the browser reported (an IANA name such as "Europe/Berlin"); UTC for none or an unknown one."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def use_zone(zone: tzinfo) -> None:
    """Read moments in `zone` for the rest of this render (and the tasks it starts)."""
    _ZONE.set(zone)


def from_local(value: str, zone: tzinfo) -> str:
    """A datetime-local input's value ("2026-12-01T09:30", the user's wall clock in `zone`) as an ISO moment
    with its offset. The zone is passed in: event handlers run outside the render that set `use_zone`.
    What is not a date is passed on as typed: the API names the field and what is wrong with it."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()


def money(value: dict[str, Any] | None, exact: bool = False) -> str:
    """`exact`: cents shown whenever there are any (one deal's amount, not a total)."""
    if not value:
        return "–"
    major = value["amount"] / 100
    # Cents matter on small amounts; on totals they are noise.
    whole = major == int(major) or (abs(major) >= 1000 and not exact)
    return f"{value['currency']} {major:,.0f}" if whole else f"{value['currency']} {major:,.2f}"


SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩", "ILS": "₪", "UAH": "₴",
           "PLN": "zł ", "CHF": "CHF ", "SEK": "SEK ", "NOK": "NOK ", "DKK": "DKK "}


def exact_money(value: dict[str, Any] | None) -> str:
    """One recorded amount to the cent, as people write it: {"amount": 125000, "currency": "EUR"} → €1,250.00
    (the code in front where the currency has no symbol of its own: "CAD 9.99")."""
    if not value:
        return "–"
    major = value["amount"] / 100
    symbol = SYMBOLS.get(value["currency"], f"{value['currency']} ")
    return f"{'-' if major < 0 else ''}{symbol}{abs(major):,.2f}"


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if "T" not in value:  # a calendar date: the same day everywhere
        return parsed
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(_ZONE.get())


def day(value: str | None) -> str:
    parsed = _parse(value)
    return parsed.strftime("%d %b %Y") if parsed else "–"


def moment(value: str | None) -> str:
    parsed = _parse(value)
    return parsed.strftime("%d %b %Y, %H:%M") if parsed else "–"


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 deal`, `2 deals` (`many` for irregular nouns: entry, entries)."""
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def label(enum_value: str | None) -> str:
    """DEAL_UPDATE → Deal update."""
    return (enum_value or "").replace("_", " ").lower().capitalize()


def is_past(value: str | None) -> bool:
    parsed = _parse(value)
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_ZONE.get())
    return bool(parsed and parsed < datetime.now(UTC))


def lost(record: dict[str, Any]) -> str:
    """A lost deal's or lead's reason as a banner reads it: "Lost — Price too high (cheaper offer)"."""
    return "Lost — " + readable(record["lostReason"], (record.get("lostReasonChoice") or {}).get("name"))
