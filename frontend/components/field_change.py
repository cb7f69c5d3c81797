"""One changed field as people read it, "before → after": amounts with their currency to the cent
(€1,250.00, not minor units), references as the named record with a link (not an id), dates and times in
the user's zone. The deal's history and the audit log show changes through this one formatter, from the
API's FieldChange (backend/schema/field_changes.py)."""

from __future__ import annotations

import json
import re
from typing import Any

from reactpy import html
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend.links import where_shown

FIELD_CHANGE = """field oldValue newValue oldAmount { amount currency } newAmount { amount currency }
                  oldRecord { kind id name } newRecord { kind id name }"""
LABELS = {"expectedCloseDate": "Expected close", "accountManager": "Account manager", "lostReasonChoice": "Lost reason",
          "mergedInto": "Merged into"}
STORED_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")  # "2026-11-30T06:26:26.893941+00:00": a moment
STORED_DAY = re.compile(r"^\d{4}-\d\d-\d\d$")
LONGEST = 40  # characters of a long text shown; the rest is cut, since a long create would push a table apart


def label(change: dict[str, Any]) -> str:
    name = change["field"]
    return LABELS.get(name) or fmt.label(re.sub(r"(?<!^)(?=[A-Z])", "_", name))


def _raw(value: str) -> str:
    if STORED_TIME.match(value):
        return fmt.moment(value)
    if STORED_DAY.match(value):
        return fmt.day(value)
    return value


def text(change: dict[str, Any], side: str) -> str:
    """One side ("old" or "new") of a change as plain text."""
    raw = change[f"{side}Value"]
    if raw in (None, ""):
        return "–"
    if change.get(f"{side}Amount"):
        return fmt.exact_money(change[f"{side}Amount"])
    if (ref := change.get(f"{side}Record")) is not None:
        return ref["name"] or f"{fmt.label(ref['kind'])} #{ref['id']}"
    if change["field"] == "probability":
        return f"{raw} %"
    if raw in ("true", "false"):
        return "yes" if raw == "true" else "no"
    if raw.startswith("["):  # a list, such as tags
        try:
            raw = ", ".join(str(item) for item in json.loads(raw)) or "–"
        except ValueError:
            pass
    shown = _raw(raw)
    return shown if len(shown) <= LONGEST else shown[:LONGEST - 1] + "…"


def value(change: dict[str, Any], side: str, admin: bool = True) -> str | VdomDict:
    """One side of a change, a link to the record it names where the user may open it."""
    shown = text(change, side)
    ref = change.get(f"{side}Record")
    if ref is None or ref["name"] is None:
        return shown
    href = where_shown(ref["kind"], ref["id"])
    if href is None or (href.startswith("/admin") and not admin):
        return shown
    return html.a({"href": href}, shown)


def line(change: dict[str, Any], admin: bool = True) -> list[Any]:
    """"Label: before → after" as the pieces of one list item."""
    return [html.span({"className": "muted"}, f"{label(change)}: "),
            value(change, "old", admin), " → ", value(change, "new", admin)]
