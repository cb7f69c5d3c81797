"""A dynamic segment's conditions as a person reads them ("Status: Blocked · Country: DE, AT"), from its
filter (`filterJson`, the customers or contacts list's own variables): enum names as labels, booleans as Yes/No, lists
joined with commas, dates and amounts as the rest of the UI shows them; a default (not archived) left out."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from frontend import format as fmt
from frontend.custom_conditions import describe

LABELS = {"status": "Status", "industry": "Industry", "segment": "Tier", "country": "Country",
          "accountManagerId": "Account manager", "tag": "Tag", "created": "Created", "archived": "Archived",
          "deal": "Deal", "lastActivity": "Last activity", "segmentId": "In segment",
          # the contacts list's filter (a contact segment's)
          "hasCustomer": "At a customer", "isPrimary": "Primary contact", "ownerId": "Owner", "customerId": "Customer"}
ENUMS = {"status"}  # lists of enum names, shown as their labels


def _range(value: dict[str, Any], show: Any) -> str:
    low, high = value.get("start", value.get("min")), value.get("end", value.get("max"))
    if low is not None and high is not None:
        return f"{show(low)} – {show(high)}"
    return f"from {show(low)}" if low is not None else f"until {show(high)}" if high is not None else ""


def _amount(minor: int) -> str:
    major = minor / 100  # in each deal's own currency, so no currency code
    return f"{major:,.0f}" if major == int(major) else f"{major:,.2f}"


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(fmt.label(item) if key in ENUMS else str(item) for item in value)
    if key == "created":
        return _range(value, fmt.day)
    if key == "lastActivity":
        return ", ".join(([f"within {fmt.plural(value['withinDays'], 'day')}"] if value.get("withinDays") else [])
                         + ([f"none in {fmt.plural(value['overDays'], 'day')}"] if value.get("overDays") else []))
    if key == "deal":
        parts = [f"stage {_value('stageId', value['stageId'])}"] if value.get("stageId") else []
        if value.get("amount"):
            parts.append(f"amount {_range(value['amount'], _amount)}")
        return ", ".join(parts)
    return str(value)


def conditions(filter_json: str | None, definitions: Sequence[Mapping[str, Any]] = ()) -> list[str]:
    """One line per condition, in the filter's order; an empty or default-only filter gives none."""
    lines = []
    for key, value in (json.loads(filter_json) if filter_json else {}).items():
        if value is None or value == [] or (key == "archived" and value is False):
            continue
        if key == "custom":  # custom-field conditions read as the lists' chips do
            lines += [describe(item, definitions) for item in value if isinstance(item, dict)]
            continue
        shown = _value(key, value)
        if shown:
            lines.append(f"{LABELS.get(key, fmt.label(key))}: {shown}")
    return lines
