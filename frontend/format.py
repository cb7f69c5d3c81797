"""How values read in the UI: money, dates, enum names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def money(value: dict[str, Any] | None, exact: bool = False) -> str:
    """`exact`: cents shown whenever there are any (one deal's amount, not a total)."""
    if not value:
        return "–"
    major = value["amount"] / 100
    # Cents matter on small amounts; on totals they are noise.
    whole = major == int(major) or (abs(major) >= 1000 and not exact)
    return f"{value['currency']} {major:,.0f}" if whole else f"{value['currency']} {major:,.2f}"


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(value: str | None) -> str:
    parsed = _parse(value)
    return parsed.strftime("%d %b %Y") if parsed else "–"


def moment(value: str | None) -> str:
    parsed = _parse(value)
    return parsed.strftime("%d %b %Y, %H:%M") if parsed else "–"


def label(enum_value: str | None) -> str:
    """DEAL_UPDATE → Deal update."""
    return (enum_value or "").replace("_", " ").lower().capitalize()


def is_past(value: str | None) -> bool:
    parsed = _parse(value)
    return bool(parsed and parsed < datetime.now(UTC))
