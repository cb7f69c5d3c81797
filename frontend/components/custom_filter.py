"""The "+ Custom field" control of the customers, contacts and leads lists: each condition on a custom field
shows as a chip (× removes it), and a small form adds one with the inputs of the field's type (text contains or
equals, a number, amount or date range, yes or no, one of the options, a person, or empty / filled in). The
conditions live in the view's address (frontend/custom_conditions.py), so the list, its export and "Save as
segment" all get them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend.components.custom_fields import CustomFields
from frontend.components.ui import changed_value, form_values, select, text_input
from frontend.custom_conditions import PARAM, RANGE_TYPES, TEXT_TYPES, custom_filter, describe, encoded, from_form
from frontend.session import use_session

RANGE_INPUTS = {"NUMBER": "number", "MONEY": "number", "DATE": "date", "DATE_TIME": "date"}


def _inputs(definition: dict[str, Any], people: list[dict[str, Any]]) -> list[VdomDict]:
    """The inputs asking for a condition on `definition`'s field."""
    kind, label = definition["type"], definition["label"]
    if kind in RANGE_TYPES:
        dated = kind in ("DATE", "DATE_TIME")
        step = {"step": "any"} if not dated else {}
        parts = [
            html.label({"className": "inline", "key": "min"}, "from" if dated else "at least",
                       text_input("cf-min", kind=RANGE_INPUTS[kind], **{"aria-label": f"{label} from"}, **step)),
            html.label({"className": "inline", "key": "max"}, "to" if dated else "at most",
                       text_input("cf-max", kind=RANGE_INPUTS[kind], **{"aria-label": f"{label} to"}, **step)),
        ]
        if kind == "MONEY":
            parts.append(text_input("cf-currency", "EUR", size=4, maxLength=3, key="currency",
                                    **{"aria-label": f"{label} currency"}))
        return parts
    if kind == "BOOLEAN":
        return [select("cf-value", [("yes", "Yes"), ("no", "No")], "yes", key="v", **{"aria-label": label})]
    if kind in ("SELECT", "MULTI_SELECT"):
        return [select("cf-value", [(o, o) for o in definition["options"]], key="v", **{"aria-label": label})]
    if kind == "USER":
        return [select("cf-value", [(p["id"], p["name"]) for p in people], key="v", **{"aria-label": label})]
    return [select("cf-op", [("CONTAINS", "contains"), ("EQ", "is exactly"), ("EMPTY", "is empty"),
                             ("FILLED", "is filled in")], "CONTAINS", key="op",
                   **{"aria-label": f"{label} condition"}),
            text_input("cf-value", key="v", **{"aria-label": f"{label} text"})]


@component
def CustomConditions(custom: CustomFields, params: dict[str, str], apply: Callable[..., None]) -> VdomDict:
    """The view's custom-field conditions as chips, and the form that adds one (nothing without fields)."""
    session = use_session()
    adding, set_adding = use_state(False)
    chosen, set_chosen = use_state("")
    problem, set_problem = use_state("")
    current = custom_filter(params) or []
    fields = custom.definitions
    if not fields and not current:
        return html.span({"hidden": True})
    names = {p["id"]: p["name"] for p in custom.people}
    definition = next((d for d in fields if d["key"] == chosen), fields[0] if fields else None)

    def remove(index: int) -> Callable[[Any], None]:
        return lambda e: apply(**{PARAM: encoded([c for i, c in enumerate(current) if i != index])})

    @event(prevent_default=True)
    def add(e: Any) -> None:
        if definition is None:
            return
        values = form_values(e)
        found = from_form(definition, values, session.zone)
        if not found:
            set_problem("Give a value (or choose “is empty”).")
            return
        set_problem("")
        set_adding(False)
        apply(**{PARAM: encoded([*current, *found])})

    chips = [
        html.span({"className": "chip", "key": f"{i}-{c.get('key')}", "data-condition": c.get("key")},
                  describe(c, fields, names),
                  html.button({"type": "button", "className": "btn btn-link", "onClick": remove(i),
                               "aria-label": f"Remove {describe(c, fields, names)}"}, "×"))
        for i, c in enumerate(current)
    ]
    form = html.form(
        {"className": "custom-condition", "onSubmit": add, "aria-label": "Custom field condition", "noValidate": True,
         "key": f"condition-{definition['key']}", "data-field": definition["key"]},
        select("cf-key", [(d["key"], d["label"]) for d in fields], definition["key"],
               onChange=lambda e: set_chosen(changed_value(e)), **{"aria-label": "Custom field"}),
        *_inputs(definition, custom.people),
        select("cf-op", [("", "within the range" if definition["type"] in RANGE_TYPES else "is as chosen"),
                         ("EMPTY", "or: is empty"), ("FILLED", "or: is filled in")], "",
               key=f"empty-{definition['key']}", **{"aria-label": "Or"})
        if definition["type"] not in TEXT_TYPES else None,
        html.button({"className": "btn btn-primary", "type": "submit"}, "Add condition"),
        html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: set_adding(False)}, "Cancel"),
        html.span({"className": "field-error", "role": "alert"}, problem) if problem else None,
    ) if adding and definition is not None else None
    return html.div(
        {"className": "custom-conditions", "role": "group", "aria-label": "Custom field conditions"},
        *chips,
        form,
        html.button({"className": "btn btn-link", "type": "button", "onClick": lambda e: set_adding(True)},
                    "+ Custom field condition") if not adding and fields else None,
    )
