"""Pick an existing customer by typing part of its name: the visible customers that match, as options."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from reactpy import component, html, use_async_effect, use_state
from reactpy.types import VdomDict

from frontend.components.ui import changed_value
from frontend.session import use_query

FIND_CUSTOMERS = """
query FindCustomers($search: String) {
  customers(first: 8, search: $search, orderBy: {field: NAME, direction: ASC}) { edges { node { id name city country } } }
}"""


@component
def CustomerPicker(chosen: dict[str, Any] | None, choose: Callable[[dict[str, Any] | None], None],
                   start: str = "") -> VdomDict:
    typed, set_typed = use_state(start)
    search, set_search = use_state(start)

    @use_async_effect(dependencies=[typed])
    async def settle() -> None:
        await asyncio.sleep(0.3)  # search once typing pauses
        set_search(typed.strip())

    found = use_query(FIND_CUSTOMERS, {"search": search}, skip=not search)
    nodes = [e["node"] for e in ((found.data or {}).get("customers") or {}).get("edges", [])] if search else []
    if chosen:
        return html.div(
            {"className": "picked"},
            html.strong(chosen["name"]),
            html.button({"className": "btn btn-link", "type": "button", "onClick": lambda e: choose(None)}, "Change"),
        )
    return html.div(
        {"className": "picker"},
        html.input({"type": "search", "aria-label": "Find customer", "placeholder": "Type a customer's name…",
                    "value": typed, "onChange": lambda e: set_typed(changed_value(e))}),
        html.ul(
            {"className": "picker-options", "aria-label": "Matching customers"},
            *(html.li({"key": n["id"]}, html.button(
                {"className": "btn btn-small", "type": "button", "onClick": lambda e, n=n: choose(n)},
                n["name"], html.span({"className": "muted"}, f" · {n['city']}" if n["city"] else ""),
            )) for n in nodes),
        ) if nodes else (html.p({"className": "muted"}, "No customer matches.") if search and found.data else None),
    )
