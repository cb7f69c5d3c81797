"""/admin/pick-lists: the lists admins keep in one table (pick_list_item): high-level statuses, industries,
segments, lead sources and activity outcomes (add, rename, move up or down, archive, restore). An archived
value stays on the records that have it; forms stop offering it. Another admin's change shows at once (pickListChanged)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.kept_list import kept_entry, listing, rename_form, use_adder
from frontend.components.ui import (
    awaiting,
    empty,
    error_banner,
    field,
    form_values,
    text_input,
    use_form_errors,
)
from frontend.session import use_live, use_query, use_session

ITEMS = """query AdminPickList($list: PickListName!) {
  pickList(list: $list, includeArchived: true) { id label position archived version } }"""
CREATE = "mutation CreatePickListItem($input: CreatePickListItemInput!) { createPickListItem(input: $input) { id } }"
UPDATE = "mutation UpdatePickListItem($input: UpdatePickListItemInput!) { updatePickListItem(input: $input) { id } }"
CHANGED = "subscription AdminPickListChanged { pickListChanged { list itemId } }"


@dataclass(frozen=True)
class PickListSpec:
    list: str  # PickListName
    title: str
    noun: str  # one value, as the add button names it
    about: str
    example: str
    max_length: int = 100


LISTS = (
    PickListSpec("HIGH_LEVEL_STATUS", "High-level statuses", "status", "Offered on every customer beside its "
                 "lifecycle status, in this order. Archive one to stop offering it: customers that have it keep it.",
                 "e.g. Strategic partner"),
    PickListSpec("INDUSTRY", "Industries", "industry", "The industries customer forms offer, in this order. "
                 "Archive one to stop offering it: customers keep the industry they have, also after a rename.",
                 "e.g. Shipbuilding"),
    PickListSpec("SEGMENT", "Segments", "segment", "The customer segments (tiers) forms offer. Customers keep "
                 "the segment they have when it is archived or renamed.", "e.g. Public sector", 50),
    PickListSpec("LEAD_SOURCE", "Lead sources", "source", "Where leads come from, as lead forms offer it. Leads "
                 "keep the source they have when it is archived or renamed.", "e.g. Webinar"),
    PickListSpec("ACTIVITY_OUTCOME", "Activity outcomes", "outcome", "How a call, email or meeting went, as the "
                 "log-activity form offers it. Activities keep the outcome they have when it is archived or renamed.",
                 "e.g. Follow-up booked"),
)


@component
def ItemRow(spec: PickListSpec, item: dict[str, Any], last: int, changed: Callable[[], None]) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    renaming, set_renaming = use_state(False)

    async def send(**changes: Any) -> bool:
        try:
            await gql.execute(session.actor, UPDATE, input={"id": item["id"], "version": item["version"], **changes})
        except gql.GqlError as error:
            form.show(error)
            return False
        changed()
        return True

    @event(prevent_default=True)
    async def rename(e: Any) -> None:
        if await send(label=form_values(e).get("label", "")):
            set_renaming(False)

    def button(text: str, action: Callable[[], Any], disabled: bool = False, label: str | None = None) -> VdomDict:
        return html.button({"className": "btn btn-link", "type": "button", "disabled": disabled,
                            "aria-label": label or text, "onClick": awaiting(action)}, text)

    async def up() -> None:
        await send(position=item["position"] - 1)

    async def down() -> None:
        await send(position=item["position"] + 1)

    async def archive() -> None:
        await send(archived=not item["archived"])

    async def start_rename() -> None:
        set_renaming(True)

    body = rename_form("Label", "label", item["label"], rename, form.errors.get("label"),
                       lambda: set_renaming(False)) if renaming else None
    actions = [button("↑", up, item["position"] <= 1, "Move up"),
               button("↓", down, item["position"] >= last, "Move down"),
               button("Rename", start_rename), button("Restore" if item["archived"] else "Archive", archive)]
    return kept_entry(item["label"], item["archived"], {f"data-{spec.noun}": item["label"]}, body, actions,
                      form.problem)


@component
def KeptPickList(spec: PickListSpec, refresh: int) -> VdomDict:
    result = use_query(ITEMS, {"list": spec.list}, refresh=refresh)
    adder = use_adder(CREATE, "label", result, {"list": spec.list})
    form = adder.form
    items = listing(result, "pickList",
                    empty(f"No {spec.title.lower()} yet.", "While the list is empty, forms take any text."),
                    lambda i, count: ItemRow(spec, i, count, result.reload, key=f"{i['id']}-{i['version']}"))
    return html.section(
        {"className": f"panel pick-list pick-list-{spec.noun}", "aria-label": spec.title},
        html.h2(spec.title),
        html.p({"className": "muted"}, spec.about),
        html.div({"className": "form-notices"}, error_banner(form.problem)),
        html.form(
            {"onSubmit": adder.submit, "className": "form-row", "key": f"add-{adder.generation}", "noValidate": True,
             "onInput": form.edited},
            field(f"New {spec.noun}", text_input("label", placeholder=spec.example, maxLength=spec.max_length, size=36),
                  form.errors.get("label")),
            html.button({"className": "btn btn-primary", "type": "submit"}, f"Add {spec.noun}"),
        ) if result.data is not None else None,  # once loaded: the form does not shift under typing
        items,
    )


@component
def PickListsSection() -> VdomDict:
    refresh, set_refresh = use_state(0)
    # One stream for the four lists: another admin's change shows at once.
    use_live(CHANGED, None, lambda e: set_refresh(lambda n: n + 1))
    return html.div({"className": "pick-lists"}, *(KeptPickList(spec, refresh, key=spec.list) for spec in LISTS))
