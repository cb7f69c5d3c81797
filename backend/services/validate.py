"""Input checks shared by every domain: each failure names the input field and what is wrong with it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, TypeVar, cast

from tortoise.fields import CharField
from tortoise.models import Model

from backend.errors import BadUserInput, Conflict, NotFound
from backend.interop.tortoise import field_of
from backend.iso_codes import COUNTRIES, CURRENCIES
from backend.models.base import Editable
from backend.models.customers import SocialKind

E = TypeVar("E", bound=Enum)
M = TypeVar("M", bound=Model)
V = TypeVar("V", bound=Editable)

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{4,30}$")
URL = re.compile(r"^(https?://)?[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/\S*)?$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Every way text can break a line: a value that goes into a mail header or a CSV row must stay one line.
LINE_BREAK = re.compile("[\r\n\x85\u2028\u2029]")
# JSON may carry "\ud800" alone; Python keeps it, but no database or encoder takes it.
SURROGATE = re.compile("[\ud800-\udfff]")
NOT_TEXT = "contains a lone surrogate (U+D800–U+DFFF), which is not text: send valid UTF-8"
MAX_INT = 2**31 - 1
MAX_MONEY = 10**15  # minor units: ten trillion in a two-decimal currency


# Any character one of the checks below is about: text without one (nearly all) is checked with one search.
UNUSUAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\r\n\x85\u2028\u2029\ud800-\udfff]")


def text(field: str, value: str | None, *, max_length: int, required: bool = False, multiline: bool = False) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise BadUserInput(field, "is required and may not be empty")
    if len(cleaned) <= max_length and not UNUSUAL.search(cleaned):
        return cleaned  # the usual case, measured as 40 % of an import's validation time without this shortcut
    if not multiline and LINE_BREAK.search(cleaned):
        raise BadUserInput(field, "must be a single line (no line breaks)")
    if CONTROL.search(cleaned):
        raise BadUserInput(field, "contains control characters")
    if SURROGATE.search(cleaned):
        raise BadUserInput(field, NOT_TEXT)
    if len(cleaned) > max_length:
        raise BadUserInput(field, f"is too long ({len(cleaned)} characters, at most {max_length})")
    return cleaned


def column_text(field: str, model: type[Model], column: str, value: str | None) -> str:
    """A filter value for a text column, cleaned as inputs are: one longer than the column holds could never
    match (and the database layer would refuse it), so it is the client's mistake."""
    return text(field, value, max_length=cast(CharField, field_of(model, column)).max_length)


def email(field: str, value: str | None, *, required: bool = False) -> str:
    cleaned = text(field, value, max_length=254, required=required).lower()
    if cleaned and not EMAIL.match(cleaned):
        raise BadUserInput(field, f"{value!r} is not a valid email address")
    return cleaned


def phone(field: str, value: str | None) -> str:
    cleaned = text(field, value, max_length=40)
    if cleaned and not PHONE.match(cleaned):
        raise BadUserInput(field, f"{value!r} is not a phone number (digits, spaces, + ( ) . - /)")
    return cleaned


def website(field: str, value: str | None) -> str:
    cleaned = text(field, value, max_length=300)
    if cleaned and not URL.match(cleaned):
        raise BadUserInput(field, f"{value!r} is not a web address")
    return cleaned


MAX_SOCIAL_LINKS = 10


def rating(field: str, value: int | None) -> int | None:
    """A rating of 1 to 5 stars, or none."""
    if value is not None and not 1 <= value <= 5:
        raise BadUserInput(field, "is 1 to 5 stars (or null for none)")
    return value


def _part(item: Any, key: str) -> Any:
    """A key of an input object, whether it arrives as a mapping (JSON, imports) or an API input object."""
    return item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)


def social_links(field: str, links: Sequence[Any] | None) -> list[dict[str, str]]:
    """Social links as stored: [{kind, url}], each an http(s) address (https:// added when left out), none
    twice, at most MAX_SOCIAL_LINKS. A refusal names the link's part: `socialLinks.url`, `socialLinks.kind`."""
    cleaned: list[dict[str, str]] = []
    for link in links or []:
        kind = choice(f"{field}.kind", _part(link, "kind") or SocialKind.WEBSITE, SocialKind)
        url = text(f"{field}.url", _part(link, "url"), max_length=300, required=True)
        if not url.lower().startswith(("http://", "https://")):
            if "://" in url or url.lower().startswith(("javascript:", "data:", "mailto:")):
                raise BadUserInput(f"{field}.url", f"{url!r} is not a web address (http or https)")
            url = "https://" + url
        if not URL.match(url) or any(c.isspace() for c in url):
            raise BadUserInput(f"{field}.url", f"{url!r} is not a web address")
        if any(old["url"] == url for old in cleaned):
            continue
        cleaned.append({"kind": kind.value, "url": url})
    if len(cleaned) > MAX_SOCIAL_LINKS:
        raise BadUserInput(field, f"at most {MAX_SOCIAL_LINKS} links")
    return cleaned


def country(field: str, value: str | None) -> str:
    # The whole value is checked, never cut to size: "Germany" cut to "GE" would be Georgia.
    cleaned = text(field, value, max_length=100).upper()  # a line break is named as such, not as a bad code
    if cleaned and cleaned not in COUNTRIES:
        raise BadUserInput(field, f"{value!r} is not an ISO 3166 country code (e.g. DE for Germany)")
    return cleaned


def currency(field: str, value: str | None) -> str:
    cleaned = text(field, value, max_length=40).upper()  # longer is refused below, as not a code
    if cleaned not in CURRENCIES:
        raise BadUserInput(field, f"{value!r} is not an ISO 4217 currency code (e.g. EUR, USD)")
    return cleaned


def integer(field: str, value: int | None, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    if value is None:
        return None
    if not minimum <= value <= maximum:
        raise BadUserInput(field, f"must be between {minimum} and {maximum}")
    return value


def money(field: str, value: int | None) -> int:
    return integer(field, value if value is not None else 0, maximum=MAX_MONEY) or 0


def tags(field: str, values: list[str] | None) -> list[str]:
    cleaned: list[str] = []
    for value in values or []:
        tag = text(field, value, max_length=40, required=True)
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > 30:
        raise BadUserInput(field, "at most 30 tags")
    return cleaned


def choice(field: str, value: Any, enum: type[E]) -> E:
    try:
        return value if isinstance(value, enum) else enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise BadUserInput(field, f"{value!r} is not one of {allowed}") from None


def date_range(start_field: str, start: date | None, end_field: str, end: date | None) -> None:
    if start and end and end < start:
        raise BadUserInput(end_field, f"must not be before {start_field}")


def aware(field: str, value: datetime | None) -> datetime | None:
    """An instant in UTC (naive: taken as UTC), as every time is stored. Never in the caller's offset: on
    SQLite times compare as text, so a filter bound or a stored time at +09:00 would sort wrongly against
    the others (a Tokyo evening took in the next UTC morning's rows)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not 1900 <= value.year <= 2200:
        raise BadUserInput(field, "is not a plausible date")
    return value.astimezone(UTC)


def parse_id(field: str, value: Any) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        number = 0
    if not 0 < number <= 2**63 - 1:
        raise NotFound("Record", repr(value), field=field)
    return number


def version(field: str, value: int | None) -> int:
    if value is None or value < 1:
        raise BadUserInput(field, "is required: send the version you read")
    return value


async def one(query: Any, what: str, id: Any, field: str | None = None) -> Any:
    """The row of a visibility-filtered query, or NOT_FOUND naming the input field."""
    row = await query.first()
    if row is None:
        raise NotFound(what, id, field=field)
    return row


async def versioned_update(model: type[V], row: V, expected_version: int, what: str, **values: Any) -> int:
    """Write `values` only if nobody changed the row since `expected_version`: one conditional UPDATE."""
    from tortoise.expressions import F

    values["updated_at"] = datetime.now(UTC)
    changed = await model.filter(pk=row.pk, version=expected_version).update(version=F("version") + 1, **values)
    if not changed:
        # cast: Tortoise types the rows of values_list(flat=True) as tuples, whatever `flat` says.
        current = cast(list[int], await model.filter(pk=row.pk).values_list("version", flat=True))
        if not current:
            raise NotFound(what, row.pk)
        raise Conflict(what, current[0])
    for key, value in values.items():
        setattr(row, key, value)
    row.version = expected_version + 1
    return row.version
