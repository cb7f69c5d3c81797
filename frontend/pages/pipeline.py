"""Pipeline board: a column per stage with totals and weighted forecast; filters; every deal reachable (each
column pages on "Show more"); cards move between stages by drag and drop or their stage select; live."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from reactpy import component, event, html, use_async_effect, use_ref, use_state
from reactpy.types import VdomDict

from backend.reads.paging import MAX_FIRST
from frontend import format as fmt
from frontend import gql
from frontend.components.customer_picker import CustomerPicker
from frontend.components.deal_form import DealForm, minor_units
from frontend.components.deal_stage import CLOSING, CloseDeal, StageSelect, may_move, move
from frontend.components.listing import export_links
from frontend.components.next_step import NextStepDialog, needs_next_step
from frontend.components.ui import (
    changed_value,
    empty,
    error_banner,
    loading,
    select,
)
from frontend.customer_filters import view_query
from frontend.router import use_nav
from frontend.session import Session, use_live, use_query, use_session

MONEY = "{ amount currency }"
BOARD_QUERY = f"""
query Board($filter: DealFilter) {{
  pipelines {{
    id name isDefault stages {{ id name probability kind }}
    summary(filter: $filter) {{
      count openAmount {MONEY} weightedForecast {MONEY} wonAmount {MONEY}
      stages {{ stage {{ id }} count amount {MONEY} weightedAmount {MONEY} }}
    }}
  }}
  owners: users(first: {MAX_FIRST}, filter: {{assignableFor: OWNER}}) {{ edges {{ node {{ id name }} }} }}
}}"""
COLUMN_QUERY = f"""
query Column($filter: DealFilter!, $first: Int!, $after: String, $order: DealOrder!) {{
  deals(first: $first, after: $after, filter: $filter, orderBy: $order) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{
      id title version probability expectedCloseDate amount {MONEY} stage {{ id name }} customer {{ id name }}
      owner {{ id name }}
    }} }}
  }}
}}"""
DEAL_CHANGED = "subscription DealChanged { dealChanged { kind dealId } }"
CUSTOMER_NAME = "query CustomerName($id: ID!) { customer(id: $id) { id name } }"
PAGE = 20  # cards a column shows at first, and adds on each "Show more"
BIGGEST_FIRST = {"field": "AMOUNT", "direction": "DESC"}
LATEST_FIRST = {"field": "UPDATED_AT", "direction": "DESC"}
FILTER_KEYS = ("owner", "mine", "customer", "min", "max", "from", "to")
PIPELINE_CHANGED = "subscription PipelineChanged { pipelineChanged { kind pipelineId } }"


@dataclass(frozen=True)
class Column:
    nodes: list[dict[str, Any]]
    total: int
    more: bool
    error: gql.GqlError | None


@dataclass(frozen=True)
class Drag:
    """The card being dragged and how to drop it. ReactPy's drag events carry no dataTransfer, so the server
    keeps the card: in a ref, as a drop may arrive before the render that followed its dragstart."""

    dragged: str | None  # the id of the card being dragged, for how the board looks meanwhile
    start: Callable[[dict[str, Any]], None]
    end: Callable[[], None]
    drop: Callable[[dict[str, Any], Any], Awaitable[None]]


def deal_filter(params: dict[str, str], me: str, pipeline_id: str | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The board's filters (as the URL keeps them) as a DealFilter, and a message per filter that is no value."""
    where: dict[str, Any] = {"pipelineId": pipeline_id} if pipeline_id else {}
    problems: dict[str, str] = {}
    if params.get("mine"):
        where["ownerId"] = [me]
    elif params.get("owner"):
        where["ownerId"] = [params["owner"]]
    if params.get("customer"):
        where["customerId"] = [params["customer"]]
    amount = {}
    for key, bound in (("min", "min"), ("max", "max")):
        if params.get(key):
            value = minor_units(params[key])
            if value is None:
                problems[key] = "Not an amount"
            else:
                amount[bound] = value
    if amount:
        where["amount"] = amount
    close = {bound: params[key] for key, bound in (("from", "start"), ("to", "end")) if params.get(key)}
    if close:
        where["expectedClose"] = close
    return where, problems


async def read_column(session: Session, where: dict[str, Any], closing: bool, size: int) -> Column:
    """The first `size` deals of a column, read a page of at most MAX_FIRST at a time, so a column of any
    length can be walked to its end."""
    nodes: list[dict[str, Any]] = []
    after, total, more = None, 0, True
    try:
        while more and len(nodes) < size:
            page = (await gql.execute(session.actor, COLUMN_QUERY, filter=where, after=after,
                                      order=LATEST_FIRST if closing else BIGGEST_FIRST,
                                      first=min(MAX_FIRST, size - len(nodes))))["deals"]
            nodes += [e["node"] for e in page["edges"]]
            total, more, after = page["totalCount"], page["pageInfo"]["hasNextPage"], page["pageInfo"]["endCursor"]
    except gql.GqlError as error:
        return Column([], 0, False, error)
    return Column(nodes, total, more, None)


def use_columns(where: dict[str, Any], stages: list[dict[str, Any]], shown: dict[str, int], refresh: int) -> Any:
    """{stage id: Column} of the stages shown (a size in `shown`), read again on `refresh`.

    One state for the whole board, kept by the page: a column that kept its own would be rendered by its
    own update and by the page's at the same time, which ReactPy 2.0.0b13 fails on when a card leaves it."""
    session = use_session()
    columns, set_columns = use_state(cast(dict[str, Column], {}))
    key = repr((sorted(where.items()), sorted(shown.items()), [s["id"] for s in stages]))

    @use_async_effect(dependencies=[key, refresh])
    async def load() -> None:
        wanted = [s for s in stages if s["id"] in shown]
        read = await asyncio.gather(*(read_column(session, {**where, "stageId": [s["id"]]}, s["kind"] in CLOSING,
                                                  shown[s["id"]]) for s in wanted))
        set_columns({s["id"]: column for s, column in zip(wanted, read, strict=True)})

    return columns


@component
def DealCard(deal: dict[str, Any], stages: list[dict[str, Any]], movable: bool, moved: Any, drag: Drag) -> VdomDict:
    return html.div(
        # Keyed: the browser's list diff would otherwise hand this card's DOM node, drag handlers included,
        # to whichever card takes its place (the component's own key does not reach the browser).
        {"key": f"card-{deal['id']}", "className": "deal" + (" dragging" if drag.dragged == deal["id"] else ""),
         "data-deal": deal["id"], "data-version": deal["version"],
         "draggable": movable,
         "onDragStart": (lambda e: drag.start(deal)) if movable else None,
         "onDragEnd": (lambda e: drag.end()) if movable else None},
        # Not draggable itself: a drag that starts on the title moves the card, not the link.
        html.a({"className": "deal-title", "href": f"/deals/{deal['id']}", "draggable": False}, deal["title"]),
        html.div({"className": "deal-meta"},
                 html.a({"href": f"/customers/{deal['customer']['id']}"}, deal["customer"]["name"]),
                 f" · {deal['owner']['name']}" if deal["owner"] else ""),
        html.div({"className": "deal-amount"}, fmt.money(deal["amount"]),
                 html.span({"className": "muted"}, f" · {deal['probability']} %"),
                 html.span({"className": "muted deal-close"}, f" · closes {fmt.day(deal['expectedCloseDate'])}")
                 if deal["expectedCloseDate"] else None),
        StageSelect(deal, stages, moved) if movable else None,
    )


@component
def StageColumn(stage: dict[str, Any], stages: list[dict[str, Any]], column: Column | None, total: Any,
                show: Callable[[int], None], moved: Any, drag: Drag) -> VdomDict:
    """One stage: its cards, biggest first (won and lost: latest first, folded until opened; `show(0)` folds,
    `show(n)` shows n cards)."""
    session = use_session()
    closing = stage["kind"] in CLOSING

    @event(prevent_default=True)
    def drag_over(e: Any) -> None:
        """Allows the drop (the browser refuses it unless dragover's default is prevented)."""

    @event(prevent_default=True)
    async def dropped(e: Any) -> None:
        await drag.drop(stage, e)

    count = total["count"] if total else 0
    head = html.div(
        {"className": "column-head"},
        html.strong(stage["name"]),
        html.span({"className": "muted", "data-testid": "stage-count"}, str(count)),
    )
    label = {"className": "column" + (" drop-target" if drag.dragged else ""), "aria-label": stage["name"],
             "data-stage": stage["name"], "data-stage-id": stage["id"], "onDragOver": drag_over, "onDrop": dropped}
    if closing and column is None:
        return html.section(
            {**label, "className": label["className"] + " folded"},
            head,
            html.div({"className": "column-sum"}, fmt.money(total["amount"])) if total else None,
            html.button({"className": "btn btn-link", "type": "button", "aria-expanded": "false",
                         "onClick": lambda e: show(PAGE)}, "Show"),
        )
    cards = [d for d in (column.nodes if column else []) if d["stage"]["id"] == stage["id"]]
    return html.section(
        label,
        head,
        html.div({"className": "column-sum"},
                 fmt.money(total["amount"]), f" · weighted {fmt.money(total['weightedAmount'])}") if total else None,
        html.button({"className": "btn btn-link fold", "type": "button", "aria-expanded": "true",
                     "onClick": lambda e: show(0)}, "Hide") if closing else None,
        error_banner(column.error) if column else loading(),
        html.div({"className": "cards"},
                 *(DealCard(d, stages, may_move(session, d), moved, drag, key=d["id"]) for d in cards)),
        html.button({"className": "btn btn-link more", "type": "button",
                     "onClick": lambda e: show(len(cards) + PAGE)},
                    f"Show more ({len(cards)} of {count})") if column and column.more else None,
        html.p({"className": "muted"}, "No deals here.") if column and not cards else None,
    )


@component
def BoardFilters(params: dict[str, str], owners: list[dict[str, Any]], problems: dict[str, str],
                 apply: Callable[..., None]) -> VdomDict:
    session = use_session()
    customer, set_customer = use_state(cast(dict[str, Any] | None, None))
    picking, set_picking = use_state(False)
    # The customer of a filter that came with the address (a shared link, a reload): its name for the chip.
    named = use_query(CUSTOMER_NAME, {"id": params.get("customer") or "0"},
                      skip=not params.get("customer") or bool(customer))

    def on(key: str) -> Any:
        return lambda e: apply(**{key: changed_value(e)})

    def number(key: str, text: str) -> VdomDict:
        return html.label({"className": "inline" + (" has-error" if key in problems else "")}, text,
                          html.input({"type": "text", "inputMode": "decimal", "name": key, "aria-label": text,
                                      "size": 8, "defaultValue": params.get(key, ""), "onBlur": on(key),
                                      "title": problems.get(key)}))

    def choose(found: dict[str, Any] | None) -> None:
        set_customer(found)
        set_picking(False)
        apply(customer=found["id"] if found else None)

    active = any(params.get(k) for k in FILTER_KEYS)
    return html.div(
        {"className": "filters board-filters", "aria-label": "Filters"},
        html.label({"className": "check"},
                   html.input({"type": "checkbox", "name": "mine", "checked": bool(params.get("mine")),
                               "onChange": lambda e: apply(mine="1" if not params.get("mine") else None)}),
                   "My deals") if session.can("createDeal") else None,
        select("owner", [("", "Any owner"), *((o["id"], o["name"]) for o in owners)], params.get("owner", ""),
               onChange=on("owner"), disabled=bool(params.get("mine"))) if len(owners) > 1 else None,
        html.span({"className": "chip"}, "Customer: ",
                  (customer or ((named.data or {}).get("customer")) or {}).get("name", "…"),
                  html.button({"className": "btn btn-link", "type": "button", "aria-label": "Any customer",
                               "onClick": lambda e: choose(None)}, "×"))
        if params.get("customer") else
        (CustomerPicker(None, choose) if picking else
         html.button({"className": "btn", "type": "button", "onClick": lambda e: set_picking(True)}, "Customer…")),
        number("min", "Amount from"),
        number("max", "to"),
        html.label({"className": "inline"}, "Closing from",
                   html.input({"type": "date", "name": "from", "aria-label": "Closing from",
                               "value": params.get("from", ""), "onChange": on("from")})),
        html.label({"className": "inline"}, "to",
                   html.input({"type": "date", "name": "to", "aria-label": "Closing to",
                               "value": params.get("to", ""), "onChange": on("to")})),
        html.button({"className": "btn btn-link", "type": "button",
                     "onClick": lambda e: apply(**{k: None for k in FILTER_KEYS})}, "Clear filters")
        if active else None,
    )


@component
def PipelinePage() -> VdomDict:
    session = use_session()
    nav = use_nav()
    params = nav.route.query
    chosen = params.get("pipeline", "")
    refresh, set_refresh = use_state(0)
    shown, set_shown = use_state(cast(dict[str, int], {}))  # stage id → cards shown; open stages default to PAGE, closed ones folded
    dragging = use_ref(cast(dict[str, Any] | None, None))
    dragged, set_dragged = use_state(cast(str | None, None))
    # (deal, won or lost stage) dropped, while its dialog is open
    asking, set_asking = use_state(cast(tuple[dict[str, Any], dict[str, Any]] | None, None))
    # (deal, stage) dropped on a stage that asks for a next step, while its dialog is open
    stepping, set_stepping = use_state(cast(tuple[dict[str, Any], dict[str, Any]] | None, None))
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    creating, set_creating = use_state(False)
    me = session.me["id"]
    where, problems = deal_filter(params, me, chosen or None)
    board = use_query(BOARD_QUERY, {"filter": where})
    pipelines = (board.data or {}).get("pipelines") or []
    pipeline = next((p for p in pipelines if p["id"] == chosen), None) or next(
        (p for p in pipelines if p["isDefault"]), pipelines[0] if pipelines else None)
    stages = pipeline["stages"] if pipeline else []
    sizes = {s["id"]: shown.get(s["id"], 0 if s["kind"] in CLOSING else PAGE) for s in stages}
    columns = use_columns({**where, "pipelineId": pipeline["id"]} if pipeline else where,
                          stages, {k: n for k, n in sizes.items() if n}, refresh)

    def moved() -> None:
        set_refresh(lambda n: n + 1)
        board.reload()

    use_live(DEAL_CHANGED, None, lambda _: moved())
    use_live(PIPELINE_CHANGED, None, lambda _: moved())  # an admin renamed, added or reordered stages

    def apply(**changes: str | None) -> None:
        query = {**params, **changes}
        text = "&".join(f"{k}={v}" for k, v in query.items() if v)
        nav.navigate("/pipeline" + (f"?{text}" if text else ""), replace=True)

    data = board.data
    if data is None:
        if board.error:
            return html.div({"className": "page"}, html.h1("Pipeline"), error_banner(board.error))
        return loading("Loading the pipeline…")
    if pipeline is None:
        return empty("No pipeline yet.", "An administrator sets up the sales pipeline.")
    totals = {t["stage"]["id"]: t for t in pipeline["summary"]["stages"]}
    summary = pipeline["summary"]
    owners = [e["node"] for e in data["owners"]["edges"]]

    def start(deal: dict[str, Any]) -> None:
        dragging.current = deal
        set_dragged(deal["id"])

    async def drop(stage: dict[str, Any], e: Any) -> None:
        """A card dropped on a column: an open stage moves it at once, won and lost ask first (CloseDeal).

        dragend may be handled before drop, so only drop forgets the card; a drop that carries data (text or a
        link dragged from elsewhere; a card's drag carries none) is not a card's."""
        deal, dragging.current = dragging.current, None
        set_dragged(None)
        if deal is None or (e.get("dataTransfer") or {}).get("types") or deal["stage"]["id"] == stage["id"]:
            return
        if stage["kind"] in CLOSING:
            set_asking((deal, stage))
            return
        error = await move(session, deal, stage["id"])
        if needs_next_step(error):
            set_problem(None)
            set_stepping((deal, stage))
            return
        set_problem(error)
        moved()

    drag = Drag(dragged, start, lambda: set_dragged(None), drop)

    async def close_dropped(stage_id: str, reason: str | None, reason_id: str | None) -> gql.GqlError | None:
        assert asking is not None  # the dialog that calls this is shown only while asking
        error = await move(session, asking[0], stage_id, reason, reason_id)
        if error is None:
            set_asking(None)
        moved()
        return error

    async def step_dropped(title: str, due_at: str) -> gql.GqlError | None:
        assert stepping is not None  # the dialog that calls this is shown only while stepping
        error = await move(session, stepping[0], stepping[1]["id"], next_step={"title": title, "dueAt": due_at})
        if error is None:
            set_stepping(None)
        moved()
        return error

    def created(deal_id: str | None) -> None:
        # Off to the new deal's page; the form goes with this screen (closing it as well would render a
        # screen that is being unmounted, which ReactPy 2.0.0b13 fails on).
        if deal_id:
            nav.navigate(f"/deals/{deal_id}")
        else:
            set_creating(False)

    # Folded won and lost columns take a narrow strip: every stage is on screen without scrolling sideways.
    widths = " ".join("minmax(64px, max-content)" if s["kind"] in CLOSING else "minmax(210px, 1fr)"
                      for s in pipeline["stages"])
    return html.div(
        {"className": "page pipeline-page"},
        html.div(
            {"className": "page-head"},
            html.div(
                html.h1("Pipeline"),
                html.p({"className": "subtle", "data-testid": "forecast"},
                       f"{fmt.plural(summary['count'], 'deal')} · open {fmt.money(summary['openAmount'])} · weighted forecast "
                       f"{fmt.money(summary['weightedForecast'])} · won {fmt.money(summary['wonAmount'])}"),
            ),
            html.div(
                {"className": "actions"},
                select("pipeline", [(p["id"], p["name"]) for p in pipelines], pipeline["id"],
                       onChange=lambda e: apply(pipeline=changed_value(e))) if len(pipelines) > 1 else None,
                export_links("deals", view_query(params, pipeline=pipeline["id"])),
                html.button({"className": "btn btn-primary", "type": "button", "onClick": lambda e: set_creating(True)},
                            "+ New deal") if session.can("createDeal") else None,
            ),
        ),
        DealForm(created) if creating else None,
        BoardFilters(params, owners, problems, apply),
        error_banner(problem),
        html.div({"className": "board", "style": {"gridTemplateColumns": widths}},
                 *(StageColumn(s, stages, columns.get(s["id"]) if sizes[s["id"]] else None, totals.get(s["id"]),
                               lambda n, s=s: set_shown(lambda old: {**old, s["id"]: n}), moved, drag, key=s["id"])
                   for s in stages)),
        CloseDeal(asking[0], asking[1], close_dropped, lambda: set_asking(None), key=f"drop-{asking[0]['id']}")
        if asking else None,
        NextStepDialog(stepping[0], stepping[1], step_dropped, lambda: set_stepping(None),
                       key=f"step-{stepping[0]['id']}") if stepping else None,
    )
