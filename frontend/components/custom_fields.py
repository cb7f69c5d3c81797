"""Custom fields on the record screens: the controls of a form (one per active field, in its order, the
right input per type), the payload they send (`customFields: [{key, <slot>}]`), and how a value reads on a
detail page, in a list cell and in an export. Definitions follow `customFieldChanged`, so an open form or
list picks up a field an admin adds meanwhile.

Controls are named `customFields.<key>`, the name the API gives their errors, so FormErrors puts a refused
value under its own control (and a custom key never collides with a built-in field's name)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from reactpy import html
from reactpy.types import VdomDict

from backend.reads.paging import MAX_FIRST
from frontend import format as fmt
from frontend.components.ui import field, select, text_input
from frontend.session import use_live, use_query

PREFIX = "customFields."
DEFINITIONS = f"""query CustomFieldDefinitions($entity: CustomFieldEntity!) {{
  customFields(entity: $entity) {{
    key label type required helpText options
    default {{ text number money {{ amount currency }} date dateTime boolean options userId }}
  }}
  people: users(first: {MAX_FIRST}) {{ edges {{ node {{ id name }} }} }}
}}"""
CHANGED = "subscription CustomFieldsChanged($entity: CustomFieldEntity!) { customFieldChanged(entity: $entity) { key } }"
# The selection of a record's values, for the documents of forms, detail pages and lists.
VALUES = "customFields { key label type text number money { amount currency } date dateTime boolean options userId user { name } }"
INPUT_TYPES = {"NUMBER": "number", "DATE": "date", "DATE_TIME": "datetime-local", "URL": "url", "EMAIL": "email",
               "PHONE": "tel"}


@dataclass(frozen=True)
class CustomFields:
    """An entity's active fields in their order, and the people a USER field may name."""

    definitions: list[dict[str, Any]]
    people: list[dict[str, Any]]


def use_custom_fields(entity: str) -> CustomFields:
    """The entity's active definitions, read again whenever an admin creates or changes one."""
    result = use_query(DEFINITIONS, {"entity": entity})
    use_live(CHANGED, {"entity": entity}, lambda _: result.reload())
    data = result.data or {}
    return CustomFields(data.get("customFields") or [],
                        [e["node"] for e in (data.get("people") or {}).get("edges", [])])


def by_key(values: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {v["key"]: v for v in values or []}


def _initial(definition: dict[str, Any], value: dict[str, Any] | None) -> dict[str, Any]:
    """The typed slots a control starts from: the record's value, or on create the field's default."""
    return value or definition.get("default") or {}


def _control(definition: dict[str, Any], start: dict[str, Any], people: list[dict[str, Any]], zone: tzinfo,
             version: int) -> VdomDict:
    name, kind, key = PREFIX + definition["key"], definition["type"], f"{definition['key']}-{version}"
    label = {"aria-label": definition["label"], "required": definition["required"]}
    if kind == "LONG_TEXT":
        return html.textarea({"name": name, "rows": 3, "defaultValue": start.get("text") or "", "key": key, **label})
    if kind == "BOOLEAN":
        return html.input({"type": "checkbox", "name": name, "defaultChecked": bool(start.get("boolean")), "key": key,
                           "aria-label": definition["label"]})
    if kind in ("SELECT", "USER"):
        choices = [(o, o) for o in definition["options"]] if kind == "SELECT" else [(p["id"], p["name"]) for p in people]
        current = start.get("text") if kind == "SELECT" else start.get("userId")
        return select(name, [("", "—"), *choices], current or "", key=key, **label)
    if kind == "MULTI_SELECT":
        chosen = set(start.get("options") or [])
        return html.span({"className": "checks", "role": "group", "key": key, "aria-label": definition["label"]},
                         *(html.label({"className": "check", "key": o},
                                      html.input({"type": "checkbox", "name": f"{name}|{o}", "defaultChecked": o in chosen}),
                                      o) for o in definition["options"]))
    if kind == "MONEY":
        money = start.get("money") or {}
        return html.span({"className": "money-input", "key": key},
                         text_input(name, f"{money['amount'] / 100:.2f}" if money else "", kind="number", step="0.01",
                                    **label),
                         text_input(f"{name}|currency", money.get("currency", ""), size=4, maxLength=3,
                                    placeholder="EUR", **{"aria-label": f"{definition['label']} currency"}))
    if kind == "NUMBER":
        number = start.get("number")
        shown = "" if number is None else f"{number:g}"
    elif kind == "DATE_TIME":
        moment = start.get("dateTime")
        shown = local_input(moment, zone) if moment else ""
    else:
        shown = start.get("date" if kind == "DATE" else "text") or ""
    return text_input(name, shown, kind=INPUT_TYPES.get(kind, "text"), key=key, **label)


def custom_controls(fields: CustomFields, values: list[dict[str, Any]] | None, errors: Mapping[str, str],
                    zone: tzinfo, version: int = 0) -> VdomDict:
    """One labelled control per active field; `values` None: a new record (the defaults prefilled).
    `version` keys the inputs so they start again from new values (after an edit conflict).

    All in one box that lays its controls out as the form's own (display: contents), there before the
    definitions arrive too: the form's later children (its buttons above all) keep their place, so the
    browser never swaps the button a user is about to click for a new one."""
    current = by_key(values)
    return html.div(
        {"className": "custom-field-controls"},
        *(html.div({"key": d["key"], "className": "field-wide" if d["type"] in ("LONG_TEXT", "MULTI_SELECT") else "",
                    "data-custom-field": d["key"]},
                   field(d["label"], _control(d, _initial(d, current.get(d["key"])) if values is None
                                              else current.get(d["key"]) or {}, fields.people, zone, version),
                         errors.get(PREFIX + d["key"]), hint=d["helpText"] or None, required=d["required"]))
          for d in fields.definitions),
    )


def built_in(values: Mapping[str, str]) -> dict[str, str]:
    """A submitted form's values without its custom-field controls (sent apart, as `customFields`)."""
    return {k: v for k, v in values.items() if not k.startswith(PREFIX)}


def _slot(definition: dict[str, Any], values: Mapping[str, str], zone: tzinfo) -> dict[str, Any]:
    name, kind = PREFIX + definition["key"], definition["type"]
    typed = values.get(name, "").strip()
    if kind == "BOOLEAN":
        return {"boolean": values.get(name) == "on"}
    if kind == "MULTI_SELECT":
        return {"options": [o for o in definition["options"] if values.get(f"{name}|{o}") == "on"]}
    if not typed:
        return {}
    if kind == "MONEY":
        try:
            amount: Any = round(float(typed) * 100)
        except ValueError:
            amount = typed  # the API names the field and what is wrong with it
        return {"amount": amount, "currency": values.get(f"{name}|currency", "").strip().upper()}
    if kind == "NUMBER":
        try:
            return {"number": float(typed)}
        except ValueError:
            return {"number": typed}
    if kind == "DATE":
        return {"date": typed}
    if kind == "DATE_TIME":
        return {"dateTime": fmt.from_local(typed, zone)}
    if kind == "USER":
        return {"userId": typed}
    return {"text": typed}


def custom_payload(fields: CustomFields, values: Mapping[str, str], zone: tzinfo,
                   before: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """`customFields` of a create (`before` None: every field shown) or an update (only those whose value
    changed from `before`, so a field someone else changed meanwhile is not written back unchanged)."""
    sent = []
    old = by_key(before)
    for definition in fields.definitions:
        slot = _slot(definition, values, zone)
        if before is not None and _same(definition, slot, old.get(definition["key"])):
            continue
        sent.append({"key": definition["key"], **slot})
    return sent


SLOT_OF = {"NUMBER": "number", "DATE": "date", "DATE_TIME": "dateTime", "BOOLEAN": "boolean",
           "MULTI_SELECT": "options", "USER": "userId"}  # the rest read and write `text`


def _held(kind: str, value: dict[str, Any] | None) -> dict[str, Any]:
    """A record's value as the input slots that would write it ({} when empty)."""
    if not value:
        return {}
    if kind == "MONEY":
        money = value.get("money")
        return {"amount": money["amount"], "currency": money["currency"]} if money else {}
    slot = SLOT_OF.get(kind, "text")
    held = value.get(slot)
    if kind == "DATE_TIME" and held:
        held = datetime.fromisoformat(held)
    return {} if held in (None, "", [], False) else {slot: held}


def _same(definition: dict[str, Any], slot: dict[str, Any], value: dict[str, Any] | None) -> bool:
    """Whether a control's slot holds what the record held (empty, unticked and none chosen alike)."""
    typed = {k: v for k, v in slot.items() if v not in (None, "", [], False)}
    if definition["type"] == "DATE_TIME" and typed:
        try:
            typed = {"dateTime": datetime.fromisoformat(typed["dateTime"])}
        except ValueError:
            return False
    return typed == _held(definition["type"], value)


def local_input(moment: str, zone: tzinfo) -> str:
    """An ISO moment as a datetime-local input's value on the viewer's clock."""
    return datetime.fromisoformat(moment).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def value_text(value: dict[str, Any] | None) -> str:
    """A value as the screens read it: money and moments as the built-in ones, people by name; "–" if empty."""
    if not value:
        return "–"
    kind = value["type"]
    if kind == "MONEY":
        return fmt.exact_money(value["money"])
    if kind == "DATE":
        return fmt.day(value["date"])
    if kind == "DATE_TIME":
        return fmt.moment(value["dateTime"])
    if kind == "BOOLEAN":
        return "–" if value["boolean"] is None else ("Yes" if value["boolean"] else "No")
    if kind == "MULTI_SELECT":
        return ", ".join(value["options"] or []) or "–"
    if kind == "USER":
        return (value.get("user") or {}).get("name") or "–"
    if kind == "NUMBER":
        return "–" if value["number"] is None else f"{value['number']:,.10g}"
    return value["text"] or "–"


def custom_facts(values: list[dict[str, Any]] | None) -> list[VdomDict]:
    """A detail page's custom fields as term and value pairs for its facts list: every active field, "–" for
    an empty value (as the built-in facts), so the page shows what could be filled in."""
    return [part for v in values or [] for part in (
        html.dt({"key": f"t-{v['key']}"}, v["label"]),
        html.dd({"key": f"d-{v['key']}", "data-custom-field": v["key"]}, value_text(v)))]
