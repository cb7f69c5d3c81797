"""One search box in the top bar over customers, contacts, leads, deals and campaigns, results grouped by
kind. Each list's own `search` argument does the finding, with the caller's row rules. Ctrl+K or "/"
focuses the box; arrows move through the results and Enter opens one (static/router.js)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from reactpy import component, html, use_async_effect, use_state
from reactpy.types import VdomDict

from frontend.components.ui import changed_value, error_banner
from frontend.links import record_href
from frontend.session import use_query

PER_KIND = 5
MIN_LENGTH = 2  # one letter matches nearly everything
SEARCH = f"""
query GlobalSearch($q: String!) {{
  customers(first: {PER_KIND}, search: $q) {{ totalCount edges {{ node {{ id name city country }} }} }}
  contacts(first: {PER_KIND}, search: $q) {{ totalCount edges {{ node {{ id name email customer {{ id name }} }} }} }}
  leads(first: {PER_KIND}, search: $q) {{ totalCount edges {{ node {{ id title companyName customer {{ id name }} }} }} }}
  deals(first: {PER_KIND}, search: $q) {{ totalCount edges {{ node {{ id title customer {{ id name }} }} }} }}
  campaigns(first: {PER_KIND}, search: $q) {{ totalCount edges {{ node {{ id title code }} }} }}
}}"""


@dataclass(frozen=True)
class Hit:
    title: str
    detail: str
    href: str


def _customer_of(node: dict[str, Any]) -> str:
    return (node.get("customer") or {}).get("name") or ""


def _fallback_customer(node: dict[str, Any], otherwise: str) -> str:
    customer = node.get("customer")
    return f"/customers/{customer['id']}" if customer else otherwise


# Per kind: its list field, heading, how a row reads and where it leads, and the list that shows them all.
KINDS: tuple[tuple[str, str, Callable[[dict[str, Any]], Hit], str | None], ...] = (
    ("customers", "Customers", lambda n: Hit(n["name"], ", ".join(filter(None, [n.get("city"), n.get("country")])),
                                             f"/customers/{n['id']}"), "/customers?q="),
    ("contacts", "Contacts", lambda n: Hit(n["name"], " · ".join(filter(None, [n.get("email"), _customer_of(n)])),
                                           record_href("contact", n["id"], _fallback_customer(n, "/customers"))), None),
    ("leads", "Leads", lambda n: Hit(n["title"], _customer_of(n) or n.get("companyName") or "",
                                     record_href("lead", n["id"], _fallback_customer(n, "/customers"))), None),
    ("deals", "Deals", lambda n: Hit(n["title"], _customer_of(n),
                                     record_href("deal", n["id"], _fallback_customer(n, "/pipeline"))), None),
    ("campaigns", "Campaigns", lambda n: Hit(n["title"], n.get("code") or "", f"/campaigns/{n['id']}"), None),
)


def results(data: dict[str, Any], typed: str, done: Callable[[Any], None]) -> list[VdomDict]:
    groups = []
    for key, heading, hit, see_all in KINDS:
        page = data.get(key) or {}
        hits = [hit(e["node"]) for e in page.get("edges", [])]
        if not hits:
            continue
        total = page.get("totalCount", len(hits))
        groups.append(html.div(
            {"key": key, "className": "search-group", "role": "group", "aria-label": heading},
            html.div({"className": "search-heading"}, heading, html.span({"className": "muted"}, f" {total}")),
            *(html.a({"key": f"{key}-{i}", "href": h.href, "className": "search-hit", "data-search-hit": "true",
                      "onClick": done},
                     html.span({"className": "search-title"}, h.title),
                     html.span({"className": "search-detail"}, h.detail) if h.detail else None)
              for i, h in enumerate(hits)),
            html.a({"href": see_all + quote(typed), "className": "search-more", "data-search-hit": "true", "onClick": done},
                   f"All {total} {heading.lower()}") if see_all and total > len(hits) else None,
        ))
    return groups


@component
def GlobalSearch() -> VdomDict:
    text, set_text = use_state("")
    asked, set_asked = use_state("")  # the text searched for, once typing paused
    # The box is not a controlled input: the server echoing each keystroke back would overwrite letters typed
    # meanwhile. It is emptied by mounting a fresh one.
    box, set_box = use_state(0)

    @use_async_effect(dependencies=[text])
    async def settle() -> None:
        await asyncio.sleep(0.25)  # wait for a pause in typing; a new keystroke cancels this wait
        set_asked(text.strip())

    ready = len(asked) >= MIN_LENGTH
    found = use_query(SEARCH, {"q": asked}, skip=not ready)

    def done(_: Any) -> None:
        set_text("")
        set_asked("")
        set_box(box + 1)

    panel: VdomDict | list[VdomDict] | None
    if not ready:
        panel = None
    elif found.error:
        panel = error_banner(found.error)
    elif found.data is None:
        panel = html.p({"className": "muted search-note"}, "Searching…")
    else:
        groups = results(found.data, asked, done)
        panel = groups or html.p(
            {"className": "muted search-note"},
            f"Nothing matches “{asked}” among the customers, contacts, leads, deals and campaigns you can see. "
            "Try fewer or other words.")
    return html.div(
        {"className": "global-search", "role": "search"},
        html.input({
            "key": f"box-{box}", "type": "search", "placeholder": "Search everything…  (Ctrl+K)",
            "aria-label": "Search customers, contacts, leads, deals and campaigns", "data-global-search": "true",
            "autocomplete": "off", "onChange": lambda e: set_text(changed_value(e)),
        }),
        html.div({"className": "search-results", "aria-label": "Search results",
                  "aria-busy": "true" if found.loading and ready else "false"},
                 *(panel if isinstance(panel, list) else [panel])) if panel is not None else None,
    )
