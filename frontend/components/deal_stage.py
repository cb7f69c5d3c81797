"""Moving a deal between stages, shared by the board's cards, its drag and drop, and the deal page: the
stage select (the keyboard and screen-reader way to move), and the dialog that closes a deal as won or lost
(a lost one with a reason from the admins' list, free text, or both)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.types import Component, VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.lost_reasons import CloseDialog
from frontend.components.next_step import NextStepDialog, needs_next_step
from frontend.components.ui import (
    changed_value,
    error_banner,
    select,
)
from frontend.session import Session, use_session

MOVE_DEAL = "mutation MoveDeal($input: MoveDealInput!) { moveDeal(input: $input) { id stage { id } version } }"
CLOSING = ("WON", "LOST")

# Closes the dialog's deal in a stage: (stage id, free-text reason, listed reason id) → the error, if any.
Close = Callable[[str, str | None, str | None], Awaitable[gql.GqlError | None]]


def may_move(session: Session, deal: dict[str, Any]) -> bool:
    """What the role may not do is not offered: reps move only the deals they own (the API decides)."""
    if not session.can("moveDeal"):
        return False
    return session.me["role"] != "SALES_REP" or (deal.get("owner") or {}).get("id") == session.me["id"]


async def move(session: Session, deal: dict[str, Any], stage_id: str, reason: str | None = None,
               reason_id: str | None = None, next_step: dict[str, str] | None = None) -> gql.GqlError | None:
    """Move `deal` (as read: its id and version) to a stage, with its next step (a task: title, dueAt) when
    given; the error, or None once it moved."""
    payload: dict[str, Any] = {"id": deal["id"], "version": deal["version"], "stageId": stage_id}
    if reason:
        payload["lostReason"] = reason
    if reason_id:
        payload["lostReasonId"] = reason_id
    if next_step:
        payload["nextStep"] = next_step
    try:
        await gql.execute(session.actor, MOVE_DEAL, input=payload)
    except gql.GqlError as error:
        return error
    return None


@component
def CloseDeal(deal: dict[str, Any], stage: dict[str, Any], close: Close, cancel: Callable[[], None]) -> Component:
    """The dialog before a deal is closed: a lost deal needs its reason; a won one is confirmed."""

    async def save(text: str | None, picked: str | None) -> gql.GqlError | None:
        return await close(stage["id"], text, picked)

    return CloseDialog(deal["title"], f"{deal['customer']['name']} · {fmt.money(deal['amount'])} → {stage['name']}",
                       "deal", save, cancel, lost=stage["kind"] == "LOST")


@component
def StageSelect(deal: dict[str, Any], stages: list[dict[str, Any]], moved: Callable[[], None],
                label: str | None = None) -> VdomDict:
    """The stage select of a deal (its value: where the deal is); a closing stage opens CloseDeal first, a
    stage that refuses the move for want of a next step opens NextStepDialog."""
    session = use_session()
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    closing, set_closing = use_state(cast(dict[str, Any] | None, None))  # the won or lost stage picked, while its dialog is open
    stepping, set_stepping = use_state(cast(dict[str, Any] | None, None))  # the stage asking for a next step
    resets, set_resets = use_state(0)  # a new value puts the select back on the deal's real stage

    def back_to_real_stage() -> None:
        set_closing(None)
        set_stepping(None)
        set_resets(lambda n: n + 1)

    async def with_step(title: str, due_at: str) -> gql.GqlError | None:
        assert stepping is not None  # the dialog that calls this is shown only while stepping
        error = await move(session, deal, stepping["id"], next_step={"title": title, "dueAt": due_at})
        if error is not None:
            if error.code in ("CONFLICT", "NOT_FOUND"):
                moved()
            return error
        set_problem(None)
        set_stepping(None)
        moved()
        return None

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
        if needs_next_step(error):
            set_problem(None)
            set_stepping(stage)
        elif error is not None:
            set_problem(error)
            back_to_real_stage()

    # Keyed by deal and stage: the card that slides into a moved card's place gets its own select, on its
    # own stage, not the DOM select of the card that left (which still shows the stage picked for that one).
    stage_key = f"stage-{deal['id']}-{deal['stage']['id']}-{resets}"
    return html.div(
        {"className": "stage-select"},
        # The current stage reads as a state, the others as what picking them does.
        select("stage", [(s["id"], s["name"] if s["id"] == deal["stage"]["id"] else f"Move to {s['name']}")
                         for s in stages], deal["stage"]["id"], key=stage_key,
               onChange=pick, **{"aria-label": label or f"Stage of {deal['title']}"}),
        error_banner(problem),
        CloseDeal(deal, closing, close, back_to_real_stage, key=closing["id"]) if closing else None,
        NextStepDialog(deal, stepping, with_step, back_to_real_stage, key=f"step-{stepping['id']}") if stepping else None,
    )
