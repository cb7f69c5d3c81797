"""Moving a deal between stages, shared by the board's cards, its drag and drop, and the deal page: the
stage select (the keyboard and screen-reader way to move), and the dialog that closes a deal as won or lost
(a lost one with a reason from the admins' list, free text, or both)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.ui import (
    changed_value,
    error_banner,
    field,
    form_values,
    select,
    use_form_errors,
)
from frontend.session import Session, use_query, use_session

MOVE_DEAL = "mutation MoveDeal($input: MoveDealInput!) { moveDeal(input: $input) { id stage { id } version } }"
LOST_REASONS = "query LostReasons { lostReasons { id name } }"
CLOSING = ("WON", "LOST")

# Closes the dialog's deal in a stage: (stage id, free-text reason, listed reason id) → the error, if any.
Close = Callable[[str, str | None, str | None], Awaitable[gql.GqlError | None]]


def may_move(session: Session, deal: dict[str, Any]) -> bool:
    """What the role may not do is not offered: reps move only the deals they own (the API decides)."""
    if not session.can("moveDeal"):
        return False
    return session.me["role"] != "SALES_REP" or (deal.get("owner") or {}).get("id") == session.me["id"]


async def move(session: Session, deal: dict[str, Any], stage_id: str, reason: str | None = None,
               reason_id: str | None = None) -> gql.GqlError | None:
    """Move `deal` (as read: its id and version) to a stage; the error, or None once it moved."""
    payload: dict[str, Any] = {"id": deal["id"], "version": deal["version"], "stageId": stage_id}
    if reason:
        payload["lostReason"] = reason
    if reason_id:
        payload["lostReasonId"] = reason_id
    try:
        await gql.execute(session.actor, MOVE_DEAL, input=payload)
    except gql.GqlError as error:
        return error
    return None


@component
def CloseDeal(deal: dict[str, Any], stage: dict[str, Any], close: Close, cancel: Callable[[], None]) -> VdomDict:
    """The dialog before a deal is closed: a lost deal needs its reason; a won one is confirmed."""
    form = use_form_errors()
    lost = stage["kind"] == "LOST"
    verb = "lost" if lost else "won"
    listed = use_query(LOST_REASONS, skip=not lost)
    reasons = (listed.data or {}).get("lostReasons") or []

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        text = values.get("lostReason", "").strip() if lost else None
        picked = values.get("lostReasonId") or None if lost else None
        if lost and not text and not picked:
            # A sentence of its own: the API's "is required to close a deal as 'Lost'" reads as a fragment here.
            form.set_errors({"lostReasonId" if reasons else "lostReason": "A reason is required to mark the deal lost."})
            return
        error = await close(stage["id"], text, picked)
        if error is not None:
            form.show(error)

    reason_fields = [
        field("Reason", select("lostReasonId", [("", "Pick a reason…"), *((r["id"], r["name"]) for r in reasons)]),
              form.errors.get("lostReasonId"), hint="From the list your admins keep, so reports count alike")
        if reasons else None,
        field("Details" if reasons else "Why was it lost?",
              html.textarea({"name": "lostReason", "rows": 3, "aria-label": "lostReason", "maxLength": 400}),
              form.errors.get("lostReason"),
              hint="Optional with a reason picked; it shows in the deal's history" if reasons
              else "Required: it shows in the deal's history and reports"),
    ] if lost else []
    # Focus starts in the dialog, on its confirm button, so Escape reaches it from the keyboard;
    # the scrim is a sibling under the dialog, so only a click outside the dialog lands on it and cancels.
    return html.div(
        {"className": "modal-backdrop", "onKeyDown": lambda e: cancel() if e.get("key") == "Escape" else None},
        html.div({"className": "modal-scrim", "data-testid": "modal-scrim", "onClick": lambda e: cancel()}),
        html.div(
            {"className": "modal", "role": "dialog", "aria-modal": "true", "aria-label": f"Mark {deal['title']} as {verb}"},
            html.h2(f"Mark “{deal['title']}” as {verb}"),
            html.p({"className": "muted"}, f"{deal['customer']['name']} · {fmt.money(deal['amount'])} → {stage['name']}"),
            html.div({"className": "form-notices"}, error_banner(form.problem)),  # the form stays in place
            html.form(
                {"onSubmit": submit, "onInput": form.edited, "noValidate": True},
                *reason_fields,
                html.div({"className": "form-actions"},
                         html.button({"className": "btn btn-primary", "type": "submit", "autoFocus": True},
                                     f"Mark as {verb}"),
                         html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: cancel()},
                                     "Cancel")),
            ),
        ),
    )


@component
def StageSelect(deal: dict[str, Any], stages: list[dict[str, Any]], moved: Callable[[], None],
                label: str | None = None) -> VdomDict:
    """The stage select of a deal (its value: where the deal is); a closing stage opens CloseDeal first."""
    session = use_session()
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    closing, set_closing = use_state(cast(dict[str, Any] | None, None))  # the won or lost stage picked, while its dialog is open
    resets, set_resets = use_state(0)  # a new value puts the select back on the deal's real stage

    def back_to_real_stage() -> None:
        set_closing(None)
        set_resets(lambda n: n + 1)

    async def close(stage_id: str, reason: str | None = None, reason_id: str | None = None) -> gql.GqlError | None:
        error = await move(session, deal, stage_id, reason, reason_id)
        if error is not None:
            if error.code in ("CONFLICT", "NOT_FOUND"):
                moved()  # the screen missed a change: show the deal as it is now, so a retry can work
            return error
        set_problem(None)
        set_closing(None)
        moved()
        return None

    async def pick(e: Any) -> None:
        stage = next((s for s in stages if s["id"] == changed_value(e)), None)
        if stage is None or stage["id"] == deal["stage"]["id"]:
            return
        if stage["kind"] in CLOSING:
            set_problem(None)
            set_closing(stage)
            return
        error = await close(stage["id"])
        if error is not None:
            set_problem(error)
            back_to_real_stage()

    # Keyed by deal and stage: the card that slides into a moved card's place gets its own select, on its
    # own stage, not the DOM select of the card that left (which still shows the stage picked for that one).
    stage_key = f"stage-{deal['id']}-{deal['stage']['id']}-{resets}"
    return html.div(
        {"className": "stage-select"},
        select("stage", [(s["id"], f"→ {s['name']}") for s in stages], deal["stage"]["id"], key=stage_key,
               onChange=pick, **{"aria-label": label or f"Stage of {deal['title']}"}),
        error_banner(problem),
        CloseDeal(deal, closing, close, back_to_real_stage, key=closing["id"]) if closing else None,
    )
