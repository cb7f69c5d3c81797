"""One search box in the top bar over customers, contacts, leads, deals and campaigns, results grouped by
kind. Each list's own `search` argument does the finding, with the caller's row rules. Ctrl+K or "/"
focuses the box; arrows move through the results and Enter opens one (static/router.js). Text that reads
as a question ("active customers in Germany"), or any text after "Ask", is answered by `ask` instead
(components/ask.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from reactpy import component, html, use_async_effect, use_state
from reactpy.types import Component, VdomDict

from frontend.components.ask import AskPanel, reads_as_question
from frontend.components.ui import changed_value, error_banner
from frontend.links import record_href
from frontend.session import use_query, use_session

PER_KIND = 5
MIN_LENGTH = 2  # one letter matches nearly everything
# Archived and merged-away records are put away: the search leaves them out, and the leads and deals linked to
# them, unless an admin asks for them too (then they come as groups of their own, marked archived).
SEARCH = f"""
query GlobalSearch($q: String!, $linkedToArchived: Boolean, $withArchived: Boolean!) {{
  customers(first: {PER_KIND}, search: $q) {{ totalCount edges {{ node {{ id name city country }} }} }}
  contacts(first: {PER_KIND}, search: $q) {{ totalCount edges {{ node {{ id name email customer {{ id name }} }} }} }}
  leads(first: {PER_KIND}, search: $q, archived: $linkedToArchived) {{
    totalCount edges {{ node {{ id title companyName customer {{ id name }} }} }} }}
  deals(first: {PER_KIND}, search: $q, archived: $linkedToArchived) {{
    totalCount edges {{ node {{ id title customer {{ id name }} }} }} }}
  campaigns(first: {PER_KIND}, search: $q) {{ totalCount edges {{ node {{ id title code }} }} }}
  archivedCustomers: customers(first: {PER_KIND}, search: $q, filter: {{archived: true}}) @include(if: $withArchived) {{
    totalCount edges {{ node {{ id name city country }} }} }}
  archivedContacts: contacts(first: {PER_KIND}, search: $q, filter: {{archived: true}}) @include(if: $withArchived) {{
    totalCount edges {{ node {{ id name email customer {{ id name }} }} }} }}
}}"""


def search_variables(text: str, with_archived: bool) -> dict[str, Any]:
    return {"q": text, "linkedToArchived": None if with_archived else False, "withArchived": with_archived}


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
    ("archivedCustomers", "Archived customers",
     lambda n: Hit(n["name"], ", ".join(filter(None, [n.get("city"), n.get("country")])), f"/customers/{n['id']}"), None),
    ("archivedContacts", "Archived contacts",
     lambda n: Hit(n["name"], " · ".join(filter(None, [n.get("email"), _customer_of(n)])),
                   record_href("contact", n["id"], _fallback_customer(n, "/customers"))), None),
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

    with_archived, set_with_archived = use_state(False)
    session = use_session()
    admin = session.can("updateUser")  # admins may look among archived records too
    chose_ask, set_chose_ask = use_state("")  # the text "Ask" was chosen for
    chose_search, set_chose_search = use_state("")  # the text a question's "Search names instead" was chosen for
    ready = len(asked) >= MIN_LENGTH
    question = ready and chose_search != asked and (chose_ask == asked or reads_as_question(asked))
    found = use_query(SEARCH, search_variables(asked, with_archived and admin), skip=not ready or question)

    def done(_: Any) -> None:
        set_text("")
        set_asked("")
        set_box(box + 1)

    ask_option = html.button({"type": "button", "className": "search-more ask-option", "data-search-hit": "true",
                              "onClick": lambda e: set_chose_ask(asked)}, f"Ask “{asked}” as a question")
    panel: VdomDict | Component | list[VdomDict] | None
    if not ready:
        panel = None
    elif question:
        panel = AskPanel(asked, done, lambda e: set_chose_search(asked), key=asked)
    elif found.error:
        panel = error_banner(found.error)
    elif found.data is None:
        panel = html.p({"className": "muted search-note"}, "Searching…")
    else:
        groups = results(found.data, asked, done)
        panel = [*(groups or [html.p(
            {"className": "muted search-note"},
            f"Nothing matches “{asked}” among the customers, contacts, leads, deals and campaigns you can see"
            + (" (archived ones included). " if with_archived and admin else ". ") + "Try fewer or other words.")]),
            ask_option]
    return html.div(
        {"className": "global-search", "role": "search"},
        html.input({
            "key": f"box-{box}", "type": "search", "placeholder": "Search everything…  (Ctrl+K)",
            "aria-label": "Search customers, contacts, leads, deals and campaigns", "data-global-search": "true",
            "autocomplete": "off", "onChange": lambda e: set_text(changed_value(e)),
        }),
        html.div({"className": "search-results", "aria-label": "Search results",
                  "aria-busy": "true" if found.loading and ready else "false"},
                 *(panel if isinstance(panel, list) else [panel]),
                 html.label({"className": "search-archived"},
                            html.input({"type": "checkbox", "checked": with_archived, "data-search-archived": "true",
                                        "onChange": lambda e: set_with_archived(not with_archived)}),
                            " Include archived records") if admin and not question else None) if panel is not None else None,
    )
