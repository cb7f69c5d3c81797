"""Pipeline board: a column per stage with totals and weighted forecast; cards move between stages, live."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from backend.reads.paging import MAX_FIRST
from frontend import format as fmt
from frontend import gql
from frontend.components.ui import (
    changed_value,
    empty,
    error_banner,
    field,
    form_values,
    loading,
    select,
    use_form_errors,
)
from frontend.gql import GqlError
from frontend.session import use_live, use_query, use_session

MONEY = "{ amount currency }"
BOARD_QUERY = f"""
query Board($open: DealFilter!, $closed: DealFilter!) {{
  pipelines {{
    id name isDefault stages {{ id name probability kind }}
    summary {{
      count openAmount {MONEY} weightedForecast {MONEY} wonAmount {MONEY}
      stages {{ stage {{ id }} count amount {MONEY} weightedAmount {MONEY} }}
    }}
  }}
  open: deals(first: {MAX_FIRST}, filter: $open, orderBy: {{field: AMOUNT, direction: DESC}}) {{ ...cards }}
  closed: deals(first: 30, filter: $closed, orderBy: {{field: UPDATED_AT, direction: DESC}}) {{ ...cards }}
}}

fragment cards on DealConnection {{
  totalCount
  edges {{ node {{
    id title version probability amount {MONEY} stage {{ id }} customer {{ id name }} owner {{ id name }}
  }} }}
}}"""
DEAL_CHANGED = "subscription DealChanged { dealChanged { kind dealId } }"
MOVE_DEAL = "mutation MoveDeal($input: MoveDealInput!) { moveDeal(input: $input) { id stage { id } version } }"


@component
def CloseDeal(deal: dict[str, Any], stage: dict[str, Any], close: Any, cancel: Any) -> VdomDict:
    """The dialog before a deal is closed: a lost deal needs its reason; a won one is confirmed."""
    form = use_form_errors()
    lost = stage["kind"] == "LOST"
    verb = "lost" if lost else "won"

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        reason = form_values(e).get("lostReason", "").strip() if lost else None
        if lost and not reason:
            # A sentence of its own: the API's "is required to close a deal as 'Lost'" reads as a fragment here.
            form.set_errors({"lostReason": "A reason is required to mark the deal lost."})
            return
        error = await close(stage["id"], reason)
        if error is not None:
            form.show(error)

    # Focus starts in the dialog, on its confirm button, so Escape reaches it from the keyboard;
    # the scrim is a sibling under the dialog, so only a click outside the dialog lands on it and cancels.
    return html.div(
        {"className": "modal-backdrop", "onKeyDown": lambda e: cancel() if e.get("key") == "Escape" else None},
        html.div({"className": "modal-scrim", "data-testid": "modal-scrim", "onClick": lambda e: cancel()}),
        html.div(
            {"className": "modal", "role": "dialog", "aria-modal": "true", "aria-label": f"Mark {deal['title']} as {verb}"},
            html.h2(f"Mark “{deal['title']}” as {verb}"),
            html.p({"className": "muted"}, f"{deal['customer']['name']} · {fmt.money(deal['amount'])} → {stage['name']}"),
            error_banner(form.problem),
            html.form(
                {"onSubmit": submit, "noValidate": True},
                field("Why was it lost?", html.textarea({"name": "lostReason", "rows": 3, "aria-label": "lostReason",
                                                         "maxLength": 500}),
                      form.errors.get("lostReason"), hint="Required: it shows in the deal's history and reports")
                if lost else None,
                html.div({"className": "form-actions"},
                         html.button({"className": "btn btn-primary", "type": "submit", "autoFocus": True},
                                     f"Mark as {verb}"),
                         html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: cancel()},
                                     "Cancel")),
            ),
        ),
    )


@component
def DealCard(deal: dict[str, Any], stages: list[dict[str, Any]], movable: bool, moved: Any) -> VdomDict:
    session = use_session()
    problem, set_problem = use_state(cast(GqlError | None, None))
    closing, set_closing = use_state(cast(dict[str, Any] | None, None))  # the won or lost stage picked, while its dialog is open
    resets, set_resets = use_state(0)  # a new value puts the select back on the deal's real stage

    def back_to_real_stage() -> None:
        set_closing(None)
        set_resets(lambda n: n + 1)

    async def move_to(stage_id: str, lost_reason: str | None = None) -> gql.GqlError | None:
        move = {"id": deal["id"], "version": deal["version"], "stageId": stage_id}
        try:
            await gql.execute(session.actor, MOVE_DEAL,
                              input=move if lost_reason is None else {**move, "lostReason": lost_reason})
        except gql.GqlError as error:
            if error.code in ("CONFLICT", "NOT_FOUND"):
                moved()  # the board missed a change: show the deal as it is now, so a retry can work
            return error
        set_problem(None)
        set_closing(None)
        moved()
        return None

    async def pick(e: Any) -> None:
        stage = next((s for s in stages if s["id"] == changed_value(e)), None)
        if stage is None or stage["id"] == deal["stage"]["id"]:
            return
        if stage["kind"] in ("WON", "LOST"):
            set_problem(None)
            set_closing(stage)
            return
        error = await move_to(stage["id"])
        if error is not None:
            set_problem(error)
            back_to_real_stage()

    # Keyed by deal and stage: the card that slides into a moved card's place gets its own select, on its
    # own stage, not the DOM select of the card that left (which still shows the stage picked for that one).
    stage_key = f"stage-{deal['id']}-{deal['stage']['id']}-{resets}"
    return html.div(
        {"className": "deal", "data-deal": deal["id"], "data-version": deal["version"]},
        html.div({"className": "deal-title"}, deal["title"]),
        html.div({"className": "deal-meta"},
                 html.a({"href": f"/customers/{deal['customer']['id']}"}, deal["customer"]["name"]),
                 f" · {deal['owner']['name']}" if deal["owner"] else ""),
        html.div({"className": "deal-amount"}, fmt.money(deal["amount"]),
                 html.span({"className": "muted"}, f" · {deal['probability']} %")),
        select("stage", [(s["id"], f"→ {s['name']}") for s in stages], deal["stage"]["id"], key=stage_key,
               onChange=pick, **{"aria-label": f"Stage of {deal['title']}"}) if movable else None,
        error_banner(problem),
        CloseDeal(deal, closing, move_to, back_to_real_stage, key=closing["id"]) if closing else None,
    )


@component
def PipelinePage() -> VdomDict:
    session = use_session()
    chosen, set_chosen = use_state("")
    # Open deals, biggest first, and the latest won and lost ones: the board's working set.
    where = {"pipelineId": chosen} if chosen else {}
    result = use_query(BOARD_QUERY, {"open": {**where, "stageKind": ["OPEN"]},
                                     "closed": {**where, "stageKind": ["WON", "LOST"]}})
    # Deals deleted or out of your sight now (REMOVED: reassigned to another team) leave the board at once.
    gone, set_gone = use_state(frozenset[str]())

    def changed(event: dict[str, Any]) -> None:
        change = event.get("dealChanged") or {}
        if change.get("kind") in ("DELETED", "REMOVED"):
            set_gone(lambda ids: ids | {change["dealId"]})
        result.reload()

    use_live(DEAL_CHANGED, None, changed)

    data = result.data
    if data is None:
        if result.error:
            return html.div({"className": "page"}, html.h1("Pipeline"), error_banner(result.error))
        return loading("Loading the pipeline…")
    pipelines = data["pipelines"]
    pipeline = next((p for p in pipelines if p["id"] == chosen), None) or next(
        (p for p in pipelines if p["isDefault"]), pipelines[0] if pipelines else None)
    if pipeline is None:
        return empty("No pipeline yet.", "An administrator sets up the sales pipeline.")
    stage_ids = {s["id"] for s in pipeline["stages"]}
    deals = [e["node"] for key in ("open", "closed") for e in data[key]["edges"]
             if e["node"]["stage"]["id"] in stage_ids and e["node"]["id"] not in gone]
    totals = {t["stage"]["id"]: t for t in pipeline["summary"]["stages"]}
    summary = pipeline["summary"]
    me = session.me["id"]

    def movable(deal: dict[str, Any]) -> bool:
        # What a role may not do is not offered: reps move only the deals they own.
        if not session.can("moveDeal"):
            return False
        return session.me["role"] != "SALES_REP" or (deal["owner"] or {}).get("id") == me

    def column(stage: dict[str, Any]) -> VdomDict:
        cards = [d for d in deals if d["stage"]["id"] == stage["id"]]
        total = totals.get(stage["id"])
        return html.section(
            {"className": "column", "key": stage["id"], "aria-label": stage["name"], "data-stage": stage["name"]},
            html.div({"className": "column-head"}, html.strong(stage["name"]),
                     html.span({"className": "muted", "data-testid": "stage-count"},
                               str(total["count"] if total else len(cards)))),
            html.div({"className": "column-sum"},
                     fmt.money(total["amount"]), f" · weighted {fmt.money(total['weightedAmount'])}")
            if total else None,
            *(DealCard(d, pipeline["stages"], movable(d), result.reload, key=d["id"]) for d in cards),
            html.p({"className": "muted"}, f"{len(cards)} of {total['count']} shown.")
            if total and total["count"] > len(cards) and cards else None,
            html.p({"className": "muted"}, "No deals here yet.") if not cards else None,
        )

    return html.div(
        {"className": "page"},
        html.div(
            {"className": "page-head"},
            html.div(
                html.h1("Pipeline"),
                html.p({"className": "subtle", "data-testid": "forecast"},
                       f"{summary['count']} deals · open {fmt.money(summary['openAmount'])} · weighted forecast "
                       f"{fmt.money(summary['weightedForecast'])} · won {fmt.money(summary['wonAmount'])}"),
            ),
            select("pipeline", [(p["id"], p["name"]) for p in pipelines], pipeline["id"],
                   onChange=lambda e: set_chosen(changed_value(e))) if len(pipelines) > 1 else None,
        ),
        html.p({"className": "notice notice-info"}, f"Showing the {len(data['open']['edges'])} biggest of "
               f"{data['open']['totalCount']} open deals.")
        if data["open"]["totalCount"] > len(data["open"]["edges"]) else None,
        html.div({"className": "board"}, *(column(s) for s in pipeline["stages"])),
    )
