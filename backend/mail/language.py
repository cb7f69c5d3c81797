"""The reader's language in mail: which templates (English where a language has none) and how dates read.

A user's language is a plain language code (`de`), taken from the identity provider's `locale` claim on
sign-in until the user picks one. Dates are formatted by Babel (CLDR data) in the user's time zone and
language, so a language without templates of its own still gets its own dates.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime, format_skeleton

FALLBACK = "en"
TEMPLATES = {"en": "English", "de": "Deutsch"}  # languages the mail templates are written in


def normalize(tag: object) -> str | None:
    """`de-DE`, `de_AT` or `DE` → `de`; None for anything that is no known language."""
    if not isinstance(tag, str) or not tag.strip() or len(tag) > 35:
        return None
    try:
        return Locale.parse(tag.strip().replace("-", "_")).language
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def known(language: str | None) -> str:
    """The language to write in: the user's when known, else English."""
    return normalize(language) or FALLBACK


def when(at: datetime, zone: str | None, language: str | None) -> str:
    """`at` as its reader reads it: in their zone and language, the zone named, e.g. "Mon, 1 Mar 2027,
    09:00 CET" / "Mo., 1. März 2027, 09:00 MEZ"."""
    try:
        tz = ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    locale = Locale.parse(known(language))
    day = format_skeleton("yMMMEd", at, tzinfo=tz, locale=locale)
    clock = format_datetime(at, "HH:mm", tzinfo=tz, locale=locale)
    name = format_datetime(at, "z", tzinfo=tz, locale=locale)
    if not name[:1].isalpha() or name.startswith("GMT"):  # no name in this language: the zone's own (CET, JST)
        own = at.astimezone(tz).tzname() or ""
        name = own if own[:1].isalpha() else name
    return f"{day}, {clock} {name}"
