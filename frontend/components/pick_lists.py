"""The lists admins keep that forms offer as text values (industries, segments, lead sources, activity
outcomes): read once per
form, read again when an admin changes one (pickListChanged), and the control that offers a list's values.

A list nobody keeps yet (no values) leaves its field a text box, as the server then takes free text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reactpy.types import VdomDict

from frontend.components.ui import select, text_input
from frontend.session import use_live, use_query

# Aliased by the record's field name, so a form looks its list up by the field it fills.
FORM_LISTS = """query FormPickLists {
  industry: pickList(list: INDUSTRY) { label }
  segment: pickList(list: SEGMENT) { label }
  source: pickList(list: LEAD_SOURCE) { label }
  outcome: pickList(list: ACTIVITY_OUTCOME) { label }
}"""
PICK_LIST_CHANGED = "subscription FormPickListChanged { pickListChanged { list } }"


def use_pick_lists() -> dict[str, list[str]]:
    """{field: offered labels} for industry, segment, source and outcome; empty lists until loaded."""
    result = use_query(FORM_LISTS)
    use_live(PICK_LIST_CHANGED, None, lambda e: result.reload())  # an admin's change shows in open forms
    data = result.data or {}
    return {key: [item["label"] for item in data.get(key) or []] for key in ("industry", "segment", "source", "outcome")}


def listed_input(name: str, value: str, labels: Sequence[str], suggest: str | None = None, **attrs: Any) -> VdomDict:
    """A select of the list's values (and the record's own value, kept though no longer listed), or a text
    box while the list is not kept (with the <datalist> `suggest` names, if any)."""
    if not labels:
        return text_input(name, value, **({"list": suggest} if suggest else {}), **attrs)
    choices = [("", "—"), *((label, label) for label in labels)]
    if value and value not in labels:
        choices.append((value, f"{value} (not in the list)"))
    return select(name, choices, value, **attrs)
