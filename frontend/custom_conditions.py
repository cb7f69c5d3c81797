"""Custom-field conditions of a list's view: kept in the address as one parameter (`cf`, the API's own
`filter.custom` items as JSON), so a view with them can be shared, bookmarked, exported and saved as a dynamic
segment exactly as the built-in filters are; and read back in words ("Fleet size ≥ 10").

The items are the API's input as is: what the address holds is what the server checks (a hand-edited one it
refuses names `filter.custom.<key>`); only what is no list of conditions at all is dropped here."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any

from frontend import format as fmt

PARAM = "cf"
OPS = {"EQ": "=", "NE": "≠", "LT": "<", "LTE": "≤", "GT": ">", "GTE": "≥"}
SLOTS = ("text", "number", "amount", "currency", "date", "dateTime", "boolean", "options", "userId")


def custom_filter(params: Mapping[str, str]) -> list[dict[str, Any]] | None:
    """The view's conditions as `filter.custom` (None when it has none)."""
    try:
        items = json.loads(params.get(PARAM) or "[]")
    except ValueError:
        return None
    kept = [i for i in items if isinstance(i, dict) and isinstance(i.get("key"), str)] if isinstance(items, list) else []
    return kept or None


def encoded(items: Sequence[dict[str, Any]]) -> str | None:
    """Conditions as the address keeps them (None: the parameter goes)."""
    return json.dumps(list(items), separators=(",", ":")) if items else None


def _shown(item: Mapping[str, Any], kind: str, people: Mapping[str, str]) -> str:
    if item.get("options"):
        return " or ".join(item["options"])
    if item.get("amount") is not None:
        return f"{item.get('currency') or ''} {item['amount'] / 100:,.2f}".strip()
    if item.get("number") is not None:
        return f"{item['number']:,.10g}"
    if item.get("date"):
        return fmt.day(item["date"])
    if item.get("dateTime"):
        return fmt.day(item["dateTime"][:10])
    if item.get("boolean") is not None:
        return "Yes" if item["boolean"] else "No"
    if item.get("userId"):
        return people.get(item["userId"], f"user {item['userId']}")
    return f"“{item.get('text') or ''}”"


def describe(item: Mapping[str, Any], definitions: Sequence[Mapping[str, Any]] = (),
             people: Mapping[str, str] | None = None) -> str:
    """One condition in words, by the field's label when its definition is known (else its key)."""
    definition = next((d for d in definitions if d["key"] == item.get("key")), None)
    label = definition["label"] if definition else fmt.label(str(item.get("key")))
    kind = definition["type"] if definition else ""
    op = str(item.get("op") or "EQ").upper()  # a saved segment keeps the enum's value (gte)
    if op == "IS_EMPTY":
        return f"{label} is {'filled in' if item.get('boolean') is False else 'empty'}"
    value = _shown(item, kind, people or {})
    if kind == "BOOLEAN" and op == "EQ":
        return f"{label}: {value}"
    if op == "CONTAINS":
        return f"{label} contains {value}"
    if op == "IN":
        return f"{label} is {value}"
    if kind in ("DATE", "DATE_TIME") and op in ("GTE", "LTE"):
        return f"{label} {'from' if op == 'GTE' else 'until'} {value}"
    return f"{label} {OPS.get(op, op.lower())} {value}"


TEXT_TYPES = ("TEXT", "LONG_TEXT", "URL", "EMAIL", "PHONE")
RANGE_TYPES = ("NUMBER", "MONEY", "DATE", "DATE_TIME")


def _bound(kind: str, typed: str, upper: bool, zone: tzinfo) -> dict[str, Any]:
    """One end of a range as the slot of its type; what is no number is passed on for the API to name."""
    if kind == "DATE":
        return {"date": typed}
    if kind == "DATE_TIME":  # whole days on the viewer's clock
        return {"dateTime": fmt.from_local(f"{typed}T{'23:59:59' if upper else '00:00:00'}", zone)}
    try:
        number = float(typed.replace(",", ""))
    except ValueError:
        return {"number": typed}
    return {"amount": round(number * 100)} if kind == "MONEY" else {"number": number}


def from_form(definition: Mapping[str, Any], values: Mapping[str, str], zone: tzinfo) -> list[dict[str, Any]]:
    """The conditions the "add condition" form asks for on `definition`'s field: text contains or equals (or is
    empty / filled in), a range (either end may stay open), yes or no, one of the options, a person. Empty
    when nothing was given."""
    key, kind = definition["key"], definition["type"]
    op = values.get("cf-op", "")
    if op in ("EMPTY", "FILLED"):
        return [{"key": key, "op": "IS_EMPTY", "boolean": op == "EMPTY"}]
    if kind in RANGE_TYPES:
        found = []
        for name, op_name, upper in (("cf-min", "GTE", False), ("cf-max", "LTE", True)):
            typed = values.get(name, "").strip()
            if typed:
                bound = _bound(kind, typed, upper, zone)
                currency = values.get("cf-currency", "").strip().upper()
                found.append({"key": key, "op": op_name, **bound, **({"currency": currency} if kind == "MONEY" else {})})
        return found
    typed = values.get("cf-value", "").strip()
    if not typed:
        return []
    if kind == "BOOLEAN":
        return [{"key": key, "op": "EQ", "boolean": typed == "yes"}]
    if kind == "MULTI_SELECT":
        return [{"key": key, "op": "CONTAINS", "options": [typed]}]
    if kind == "SELECT":
        return [{"key": key, "op": "IN", "options": [typed]}]
    if kind == "USER":
        return [{"key": key, "op": "EQ", "userId": typed}]
    return [{"key": key, "op": "EQ" if op == "EQ" else "CONTAINS", "text": typed}]
