"""The customers and contacts lists' ways into saved segments: keep the current filters as a dynamic segment
("Save as segment"), and hand-pick the ticked rows into a static one ("Add to segment"). `entity` (CUSTOMER
or CONTACT) says which list, and so which input fields carry its filter and ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.ui import (
    FormErrors,
    changed_value,
    dialog_head,
    error_banner,
    field,
    form_values,
    select,
    text_input,
    use_form_errors,
)
from frontend.router import Navigation, use_nav
from frontend.session import Session, use_query, use_session

CREATE_SEGMENT = "mutation CreateSegment($input: CreateSegmentInput!) { createSegment(input: $input) { id name } }"
ADD_MEMBERS = """mutation AddSegmentMembers($input: SegmentMembersInput!) {
  addSegmentMembers(input: $input) { changedIds segment { id name } } }"""
STATIC_SEGMENTS = "query StaticSegments { segments(first: 100) { edges { node { id name kind entity allowedActions } } } }"


class Gathers(NamedTuple):
    """A segment entity as the forms send it: its noun, and the input fields of its filter and picked ids."""

    noun: str
    filter_field: str
    ids_field: str


ENTITIES = {"CUSTOMER": Gathers("customer", "filter", "customerIds"),
            "CONTACT": Gathers("contact", "contactFilter", "contactIds")}


async def create_segment(session: Session, form: FormErrors, nav: Navigation, payload: dict[str, Any]) -> None:
    """Create the segment and open its page; a refusal stays on the form."""
    try:
        created = (await gql.execute(session.actor, CREATE_SEGMENT, input=payload))["createSegment"]
    except gql.GqlError as error:
        form.show(error)
        return
    nav.navigate(f"/segments/{created['id']}")
NEW = "new"


@component
def SaveAsSegment(where: dict[str, Any] | None, searching: bool, close: Callable[[], None],
                  entity: str = "CUSTOMER") -> VdomDict:
    """Name the list's filters (`where`, the list query's filter) and keep them as a dynamic segment."""
    session = use_session()
    nav = use_nav()
    form = use_form_errors()

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload = {"name": values.get("name", "").strip(), "kind": "DYNAMIC", "entity": entity,
                   ENTITIES[entity].filter_field: where or {}, "shared": values.get("shared") == "on"}
        await create_segment(session, form, nav, payload)

    return html.div(
        {"className": "panel", "role": "dialog", "aria-label": "Save as segment"},
        dialog_head("Save these filters as a segment", close),
        error_banner(form.problem),
        html.p({"className": "subtle"}, f"Its members stay current: {ENTITIES[entity].noun}s enter and leave it as they "
               "change.",
               " The search text is not kept, only the filters." if searching else ""),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            field("Segment name", text_input("name", required=True, autoFocus=True), form.errors.get("name"), required=True),
            html.label({"className": "check"}, html.input({"type": "checkbox", "name": "shared"}), "Shared with everyone"),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Save segment")),
        ),
    )


@component
def AddToSegment(picked: tuple[str, ...], clear: Callable[[], None], entity: str = "CUSTOMER") -> VdomDict:
    """A bar over the list while rows are ticked: add them to one of your static segments of their entity, or
    a new one."""
    session = use_session()
    gathers = ENTITIES[entity]
    segments = use_query(STATIC_SEGMENTS)
    choices = [e["node"] for e in ((segments.data or {}).get("segments") or {}).get("edges", [])
               if e["node"]["kind"] == "STATIC" and e["node"]["entity"] == entity
               and "updateSegment" in e["node"]["allowedActions"]]
    target, set_target = use_state("")
    outcome, set_outcome = use_state("")
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    chosen = target or (choices[0]["id"] if choices else NEW)

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        try:
            if chosen == NEW:
                new = {"name": values.get("name", "").strip(), "kind": "STATIC", "entity": entity,
                       gathers.ids_field: list(picked)}
                made = (await gql.execute(session.actor, CREATE_SEGMENT, input=new))["createSegment"]
                name, added = made["name"], len(picked)
            else:
                done = (await gql.execute(session.actor, ADD_MEMBERS,
                                          input={"segmentId": chosen, gathers.ids_field: list(picked)}))["addSegmentMembers"]
                name, added = done["segment"]["name"], len(done["changedIds"])
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        set_outcome(f"{fmt.plural(added, gathers.noun)} added to “{name}”.")
        segments.reload()
        clear()

    if not picked:
        return html.div({"className": "notice notice-ok", "role": "status"}, outcome) if outcome else html.span()
    return html.form(
        {"className": "pick-bar", "aria-label": "Add to segment", "onSubmit": submit},
        html.strong(f"{len(picked):,} selected"),
        select("segment-target", [*((s["id"], s["name"]) for s in choices), (NEW, "New hand-picked segment…")], chosen,
               onChange=lambda e: set_target(changed_value(e)), **{"aria-label": "Segment to add to"}),
        text_input("name", placeholder="New segment's name", required=True, **{"aria-label": "New segment's name"})
        if chosen == NEW else None,
        html.button({"className": "btn btn-primary", "type": "submit"}, "Add to segment"),
        html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: clear()}, "Clear selection"),
        error_banner(problem),
    )


def pick_box(row_id: str, picked: tuple[str, ...], toggle: Callable[[str], None]) -> VdomDict:
    """A row's tick box, set inside its name cell (the name stays the cell's text, and a phone card's title)."""
    return html.input({"type": "checkbox", "className": "pick", "checked": row_id in picked,
                       "aria-label": "Select", "onChange": lambda e: toggle(row_id)})


def pick_all(ids: list[str], picked: tuple[str, ...], set_picked: Callable[[Any], None]) -> VdomDict:
    every = bool(ids) and all(i in picked for i in ids)
    return html.input({"type": "checkbox", "className": "pick", "checked": every, "aria-label": "Select all on this page",
                       "onChange": lambda e: set_picked(
                           lambda p: tuple(i for i in p if i not in ids) if every else (*p, *(i for i in ids if i not in p)))})
