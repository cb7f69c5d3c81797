"""Relationship phase and high-level status on screens: the phase control (a select, and the why that pausing
or archiving needs), the phase history in the viewer's time zone, and the high-level status picker of the
customer forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.ui import changed_value, error_banner, field, form_values, select, text_input, use_form_errors
from frontend.session import use_session

PHASES = ("IDEA", "EXPLORING", "ACTIVE", "PAUSED", "ARCHIVED")
NEEDS_WHY = ("PAUSED", "ARCHIVED")  # as services/phases.py: stepping back says why
SET_PHASE = """
mutation SetCustomerPhase($input: SetCustomerPhaseInput!) { setCustomerPhase(input: $input) { id phase version } }"""
OFFERED_STATUSES = "query HighLevelStatuses { highLevelStatuses { id label } }"
# Filters offer archived ones too: customers keep them.
ALL_STATUSES = "query AllHighLevelStatuses { highLevelStatuses(includeArchived: true) { id label archived } }"


def phase_badge(phase: str) -> VdomDict:
    return html.span({"className": f"badge badge-phase-{phase.lower()}", "data-phase": phase}, fmt.label(phase))


def status_label(customer: dict[str, Any]) -> str:
    """The customer's high-level status as shown, marked when the admins archived it since."""
    status = customer.get("highLevelStatus")
    if not status:
        return "–"
    return status["label"] + (" (archived)" if status.get("archived") else "")


async def move(actor: Any, customer: dict[str, Any], phase: str, why: str) -> gql.GqlError | None:
    """Move `customer` to `phase`; the error, if the API refused."""
    try:
        await gql.execute(actor, SET_PHASE, input={"id": customer["id"], "version": customer["version"],
                                                   "phase": phase, "why": why.strip() or None})
    except gql.GqlError as error:
        return error
    return None


@component
def PhaseControl(customer: dict[str, Any], saved: Callable[[], None]) -> VdomDict:
    """The 360 page's move: a select of the other phases and, for paused and archived, the why."""
    session = use_session()
    form = use_form_errors()
    chosen, set_chosen = use_state("")

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        phase, why = values.get("phase", ""), values.get("why", "")
        if not phase:
            form.set_errors({"phase": "Pick the phase to move to."})
            return
        if phase in NEEDS_WHY and not why.strip():
            form.set_errors({"why": f"Say why the relationship is {phase.lower()}."})
            return
        error = await move(session.actor, customer, phase, why)
        if error is not None:
            form.show(error)
            return
        set_chosen("")
        saved()

    options = [("", "Move to…"), *((p, fmt.label(p)) for p in PHASES if p != customer["phase"])]
    return html.form(
        {"onSubmit": submit, "onInput": form.edited, "className": "form-row phase-control", "noValidate": True,
         "aria-label": "Move phase", "key": f"phase-{customer['version']}"},
        error_banner(form.problem),
        field("New phase", select("phase", options, chosen, onChange=lambda e: set_chosen(changed_value(e))),
              form.errors.get("phase")),
        field("Why", text_input("why", placeholder="Required to pause or archive", size=34, maxLength=500),
              form.errors.get("why"), required=chosen in NEEDS_WHY),
        html.button({"className": "btn btn-primary", "type": "submit"}, "Move"),
    )


def phase_history(history: list[dict[str, Any]]) -> VdomDict:
    """Who moved the phase, when (in the viewer's time zone) and why, newest first."""
    if not history:
        return html.p({"className": "muted"}, "Not moved yet: the phase was set when the customer was created.")
    return html.ul(
        {"className": "phase-history", "aria-label": "Phase history"},
        *(html.li(
            {"key": str(n)},
            html.div(phase_badge(h["fromPhase"]) if h["fromPhase"] else None, " → " if h["fromPhase"] else None,
                     phase_badge(h["toPhase"])),
            html.div({"className": "when"}, fmt.moment(h["changedAt"]), " · ",
                     (h["changedBy"] or {}).get("name") or "someone no longer here"),
            html.div({"className": "why"}, h["why"]) if h["why"] else None,
        ) for n, h in reversed(list(enumerate(history)))),
    )


def relationship_panel(customer: dict[str, Any], movable: bool, saved: Callable[[], None]) -> VdomDict:
    """The 360 page's relationship card: the phase, the move for those who may, and the history."""
    return html.div(
        {"className": "card relationship", "aria-label": "Relationship phase"},
        html.h2("Relationship phase ", phase_badge(customer["phase"])),
        PhaseControl(customer, saved) if movable else None,
        phase_history(customer["phaseHistory"]),
    )


def high_level_status_select(offered: list[dict[str, Any]], current: dict[str, Any] | None, value: str = "",
                             **attrs: Any) -> VdomDict:
    """The forms' picker: the offered statuses, plus the customer's own when the admins archived it since
    (it stays until someone picks another)."""
    options = [("", "None"), *((s["id"], s["label"]) for s in offered)]
    if current and current["id"] not in {s["id"] for s in offered}:
        options.append((current["id"], f"{current['label']} (archived)"))
    return select("highLevelStatusId", options, value, **attrs)
