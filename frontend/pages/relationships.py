"""/relationships: the pipeline of relationships, a column per phase with the customers in it (most recently
changed first); a card moves by its select (pausing and archiving ask why first). Live: each card follows its
customer's changes (customerChanged), so a move made anywhere reloads the board."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from reactpy import component, event, html, use_ref, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.phase import NEEDS_WHY, PHASES, move, phase_badge
from frontend.components.ui import (
    changed_value,
    error_banner,
    field,
    form_values,
    pending,
    select,
    text_input,
    use_form_errors,
)
from frontend.session import use_live, use_query, use_session

PER_COLUMN = 20  # cards a column shows; the rest are a click away in the customers list filtered by the phase
CARD = "id name version phase allowedActions highLevelStatus { label } accountManager { name }"
BOARD_QUERY = "query Relationships {\n" + "\n".join(
    f"  {p.lower()}: customers(first: {PER_COLUMN}, filter: {{phase: [{p}]}}, orderBy: {{field: UPDATED_AT, "
    f"direction: DESC}}) {{ totalCount edges {{ node {{ {CARD} }} }} }}"
    for p in PHASES
) + "\n}"
CUSTOMER_CHANGED = "subscription RelationshipChanged($id: ID!) { customerChanged(id: $id) { kind } }"


@component
def WhyForm(phase: str, go: Callable[[str, str], Awaitable[gql.GqlError | None]], cancel: Callable[[], None]) -> VdomDict:
    """Pausing or archiving from a card: the why first."""
    form = use_form_errors()

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        why = form_values(e).get("why", "").strip()
        if not why:
            form.set_errors({"why": f"Say why the relationship is {phase.lower()}."})
            return
        error = await go(phase, why)
        if error is not None:
            form.show(error)

    return html.form(
        {"onSubmit": submit, "onInput": form.edited, "className": "why-form", "noValidate": True},
        error_banner(form.problem),
        field("Why?", text_input("why", autoFocus=True, maxLength=500), form.errors.get("why"), required=True),
        html.div({"className": "actions"},
                 html.button({"className": "btn btn-primary", "type": "submit"}, f"Move to {fmt.label(phase)}"),
                 html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: cancel()}, "Cancel")),
    )


@component
def RelationshipCard(customer: dict[str, Any], changed: Callable[[], None]) -> VdomDict:
    session = use_session()
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    chosen, set_chosen = use_state("")
    registered = use_ref(False)

    def heard(event_data: dict[str, Any]) -> None:
        # The first {} only says the subscription is in place, just after the board loaded; later ones (the
        # stream restarted) and every change reload it.
        if event_data or registered.current:
            changed()
        registered.current = True

    use_live(CUSTOMER_CHANGED, {"id": customer["id"]}, heard)

    async def go(phase: str, why: str) -> gql.GqlError | None:
        error = await move(session.actor, customer, phase, why)
        if error is None:
            set_chosen("")
            changed()
        return error

    async def picked(e: Any) -> None:
        phase = changed_value(e)
        set_chosen(phase)
        set_problem(None)
        if phase and phase not in NEEDS_WHY:
            set_problem(await go(phase, ""))

    movable = "setCustomerPhase" in customer["allowedActions"]
    status = customer["highLevelStatus"]
    facts = [x for x in ((status or {}).get("label", ""), (customer["accountManager"] or {}).get("name", "")) if x]
    return html.div(
        {"className": "deal relationship-card", "data-customer": customer["name"]},
        html.a({"className": "deal-title", "href": f"/customers/{customer['id']}"}, customer["name"]),
        html.div({"className": "deal-meta"}, " · ".join(facts) or "–"),
        select("phase", [("", "Move to…"), *((p, fmt.label(p)) for p in PHASES if p != customer["phase"])], chosen,
               onChange=picked, **{"aria-label": f"Move {customer['name']} to"}) if movable else None,
        WhyForm(chosen, go, lambda: set_chosen(""), key=chosen) if chosen in NEEDS_WHY else None,
        error_banner(problem),
    )


@component
def RelationshipsPage() -> VdomDict:
    board = use_query(BOARD_QUERY)
    data = board.data
    if data is None:
        return html.div({"className": "page"}, html.h1("Relationships"),
                        pending(board, "Loading relationships…"))

    def column(phase: str) -> VdomDict:
        listed = data[phase.lower()]
        cards = [e["node"] for e in listed["edges"]]
        more = listed["totalCount"] - len(cards)
        return html.section(
            {"className": "column", "key": phase, "aria-label": fmt.label(phase), "data-phase": phase},
            html.div({"className": "column-head"}, phase_badge(phase), html.span({"className": "muted"},
                                                                                str(listed["totalCount"]))),
            *(RelationshipCard(c, board.reload, key=f"{c['id']}-{c['version']}") for c in cards),
            html.a({"className": "more", "href": f"/customers?phase={phase.lower()}"}, f"{more} more in the list")
            if more > 0 else None,
            html.p({"className": "muted"}, "None") if not cards else None,
        )

    return html.div(
        {"className": "page"},
        html.div({"className": "page-head"},
                 html.div(html.h1("Relationships"),
                          html.p({"className": "muted"}, "Every customer you see by relationship phase, most recently "
                                 "changed first. Pausing or archiving asks why; the 360 page shows the history."))),
        error_banner(board.error) if board.error else None,
        html.div({"className": "board relationships"}, *(column(p) for p in PHASES)),
    )
