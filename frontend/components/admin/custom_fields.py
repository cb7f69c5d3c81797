"""Admin → Custom fields: the fields admins add to customers, contacts and leads (createCustomField), with
their label, requirement and options changed or the field archived and restored (updateCustomField).
A field's key and type are fixed once created, so this screen offers neither for change."""

from __future__ import annotations

from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.admin.table import cell
from frontend.components.ui import (
    awaiting,
    badge,
    changed_value,
    empty,
    error_banner,
    field,
    form_values,
    pending,
    select,
    text_input,
    use_form_errors,
)
from frontend.session import use_query, use_session

FIELDS = """query AdminCustomFields($entity: CustomFieldEntity!) {
  customFields(entity: $entity, includeArchived: true) {
    id key label type required helpText options archived version } }"""
CREATE = "mutation CreateCustomField($input: CreateCustomFieldInput!) { createCustomField(input: $input) { id } }"
UPDATE = "mutation UpdateCustomField($input: UpdateCustomFieldInput!) { updateCustomField(input: $input) { id } }"

ENTITIES = [("CUSTOMER", "Customers"), ("CONTACT", "Contacts"), ("LEAD", "Leads"), ("DEAL", "Deals"), ("ACTIVITY", "Activities"),
            ("TICKET", "Tickets")]
TYPES = [
    ("TEXT", "Text"), ("LONG_TEXT", "Long text"), ("NUMBER", "Number"), ("MONEY", "Money"), ("DATE", "Date"),
    ("DATE_TIME", "Date and time"), ("BOOLEAN", "Yes / no"), ("SELECT", "Pick one"), ("MULTI_SELECT", "Pick several"),
    ("URL", "Web address"), ("EMAIL", "Email"), ("PHONE", "Phone"), ("USER", "Person"),
]
TYPE_NAMES = dict(TYPES)


def options_of(text: str) -> list[str]:
    """The options typed as one per line or comma-separated, blanks dropped."""
    return [o.strip() for o in text.replace("\n", ",").split(",") if o.strip()]


@component
def FieldRow(definition: dict[str, Any], changed: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    editing, set_editing = use_state(False)
    picks = definition["type"] in ("SELECT", "MULTI_SELECT")

    async def send(changes: dict[str, Any]) -> bool:
        try:
            await gql.execute(session.actor, UPDATE, input={"id": definition["id"], "version": definition["version"],
                                                             **changes})
        except gql.GqlError as error:
            form.show(error)
            return False
        changed()
        return True

    async def archive() -> None:
        await send({"archived": not definition["archived"]})

    @event(prevent_default=True)
    async def save(e: Any) -> None:
        values = form_values(e)
        changes: dict[str, Any] = {"label": values.get("label", ""), "helpText": values.get("helpText", ""),
                                   "required": values.get("required") == "on"}
        if picks:
            changes["options"] = options_of(values.get("options", ""))
        if await send(changes):
            set_editing(False)

    label = definition["label"]
    if editing:
        return html.tr({"key": "edit"}, html.td({"colSpan": 5}, html.form(
            {"onSubmit": save, "onInput": form.edited, "className": "inline", "noValidate": True,
             "aria-label": f"Edit {label}"},
            field("Label", text_input("label", label, maxLength=100, autoFocus=True), form.errors.get("label")),
            field("Help", text_input("helpText", definition["helpText"], maxLength=500), form.errors.get("helpText")),
            field("Options", text_input("options", ", ".join(definition["options"]), size=30), form.errors.get("options"),
                  hint="Comma-separated; one some record holds cannot be removed") if picks else None,
            html.label({"className": "check"}, html.input({"type": "checkbox", "name": "required",
                                                           "defaultChecked": definition["required"]}), "Required"),
            html.button({"className": "btn btn-primary", "type": "submit"}, "Save"),
            html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: set_editing(False)},
                        "Cancel"),
            error_banner(form.problem),
        )))
    return html.tr(
        {"data-field": definition["key"], "className": "archived" if definition["archived"] else ""},
        cell("Label", html.strong(label), badge("Archived", "archived") if definition["archived"] else None),
        cell("Key", html.code(definition["key"])),
        cell("Type", TYPE_NAMES.get(definition["type"], definition["type"]),
             html.span({"className": "subtle"}, f" ({', '.join(definition['options'])})") if picks else None),
        cell("Required", "Required" if definition["required"] else "Optional"),
        cell("", html.button({"className": "btn btn-small", "type": "button", "aria-label": f"Edit {label}",
                              "onClick": lambda e: set_editing(True)}, "Edit"),
             html.button({"className": "btn btn-small", "type": "button",
                          "aria-label": f"{'Restore' if definition['archived'] else 'Archive'} {label}",
                          "onClick": awaiting(archive)},
                         "Restore" if definition["archived"] else "Archive"),
             error_banner(form.problem)),
    )


@component
def CustomFieldsSection() -> VdomDict:
    session = use_session()
    entity, set_entity = use_state("CUSTOMER")
    result = use_query(FIELDS, {"entity": entity})
    form = use_form_errors()
    generation, set_generation = use_state(0)

    @event(prevent_default=True)
    async def add(e: Any) -> None:
        values = form_values(e)
        field_type = values.get("type", "TEXT")
        new = {"entity": entity, "key": values.get("key", "").strip(), "label": values.get("label", ""),
               "type": field_type, "required": values.get("required") == "on", "helpText": values.get("helpText", "")}
        if field_type in ("SELECT", "MULTI_SELECT") or values.get("options", "").strip():
            new["options"] = options_of(values.get("options", ""))
        try:
            await gql.execute(session.actor, CREATE, input=new)
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        set_generation(generation + 1)
        result.reload()

    fields = (result.data or {}).get("customFields")
    noun = dict(ENTITIES)[entity].lower()
    if fields is None:
        listing = pending(result, "Loading custom fields…")
    elif not fields:
        listing = empty(f"No custom fields on {noun} yet.",
                        "Add what your company tracks beyond the built-in fields: forms, filters and exports offer them.")
    else:
        listing = html.div({"className": "table-wrap"}, html.table(
            {"className": "table table-cards", "aria-label": "Custom fields"},
            html.thead(html.tr(html.th("Label"), html.th("Key"), html.th("Type"), html.th("Required"), html.th(""))),
            html.tbody(*(FieldRow(f, result.reload, key=f"{f['id']}-{f['version']}") for f in fields)),
        ))
    return html.section(
        {"aria-label": "Custom fields"},
        html.p({"className": "subtle"}, "Fields your company tracks beyond the built-in ones, typed and checked like "
               "them. The key (lower_snake, what the API names it) and the type are fixed once created; pick fields take "
               "their options comma-separated. Archive a field to retire it: its values are kept."),
        html.div({"className": "form-row"}, field("Records", select(
            "entity", ENTITIES, entity, onChange=lambda e: set_entity(changed_value(e) or "CUSTOMER")))),
        html.form(
            {"onSubmit": add, "onInput": form.edited, "className": "inline", "noValidate": True,
             "aria-label": "New custom field", "key": f"add-{entity}-{generation}"},
            field("Label", text_input("label", placeholder="Contract end", maxLength=100), form.errors.get("label")),
            field("Key", text_input("key", placeholder="contract_end", maxLength=60), form.errors.get("key")),
            field("Type", select("type", TYPES, "TEXT"), form.errors.get("type")),
            field("Options", text_input("options", placeholder="Gold, Silver", size=24), form.errors.get("options")),
            field("Help", text_input("helpText", maxLength=500), form.errors.get("helpText")),
            html.label({"className": "check"}, html.input({"type": "checkbox", "name": "required"}), "Required"),
            html.button({"className": "btn btn-primary", "type": "submit"}, "Add field"),
        ),
        error_banner(form.problem),
        listing,
    )
