"""Pick an existing customer by typing part of its name: the visible customers that match (customer search,
row rules applied), as buttons. Every screen that picks a customer uses this one: the deal form, the board's
customer filter, the lead form and the lead and contact convert forms."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from reactpy import component, html, use_async_effect, use_state
from reactpy.types import VdomDict

from frontend.components.ui import changed_value
from frontend.session import use_query

SHOWN = 20
FIND_CUSTOMERS = f"""
query FindCustomers($search: String) {{
  customers(first: {SHOWN}, search: $search, orderBy: {{field: NAME, direction: ASC}}) {{
    totalCount edges {{ node {{ id name city }} }}
  }}
}}"""


@component
def CustomerPicker(chosen: dict[str, Any] | None, choose: Callable[[dict[str, Any] | None], None],
                   start: str = "") -> VdomDict:
    """`chosen` shows as its name with "Change"; otherwise a search box (pre-filled with `start`, e.g. a lead's
    company name) and its matches. `choose(customer)` with the picked {id, name, city}, `choose(None)` on Change."""
    typed, set_typed = use_state(start)
    search, set_search = use_state(start)

    @use_async_effect(dependencies=[typed])
    async def settle() -> None:
        await asyncio.sleep(0.3)  # search once typing pauses, not at every keystroke
        set_search(typed.strip())

    found = use_query(FIND_CUSTOMERS, {"search": search}, skip=not search)
    matches = ((found.data or {}).get("customers") or {}) if search else {}
    nodes = [e["node"] for e in matches.get("edges", [])]
    more = matches.get("totalCount", 0) - len(nodes)
    if chosen:
        return html.div(
            {"className": "picked"},
            html.strong(chosen["name"]),
            html.button({"className": "btn btn-link", "type": "button", "onClick": lambda e: choose(None)}, "Change"),
        )
    return html.div(
        {"className": "picker"},
        html.input({"type": "search", "aria-label": "Find customer", "placeholder": "Type a customer name",
                    "value": typed, "onChange": lambda e: set_typed(changed_value(e))}),
        html.ul(
            {"className": "picker-options", "aria-label": "Matching customers"},
            *(html.li({"key": n["id"]}, html.button(
                {"className": "btn btn-small", "type": "button", "onClick": lambda e, n=n: choose(n)},
                n["name"], html.span({"className": "muted"}, f" · {n['city']}" if n["city"] else ""),
            )) for n in nodes),
            html.li({"className": "muted"}, f"{more:,} more: type more of the name") if more > 0 else None,
        ) if nodes else (html.p({"className": "muted"}, "No customer matches.") if search and found.data else None),
    )
