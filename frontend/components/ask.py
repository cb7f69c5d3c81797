"""The top bar's search box answering a question: how it was understood (chips), the first rows, and "Open as
list", which opens the list screen with those conditions as its ordinary filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reactpy import component, html
from reactpy.types import VdomDict

from backend.ask.vocabulary import ENTITY_WORDS, STATUS_NOUNS
from frontend.components.ui import error_banner
from frontend.links import record_href
from frontend.session import use_query

ROWS = 5
ASK = f"""
query Ask($q: String!) {{
  ask(question: $q) {{
    understood entity message suggestions answer listPath listExact chips {{ field label value }}
    customers(first: {ROWS}) {{ totalCount edges {{ node {{ id name city country }} }} }}
    contacts(first: {ROWS}) {{ totalCount edges {{ node {{ id name email }} }} }}
    leads(first: {ROWS}) {{ totalCount edges {{ node {{ id title companyName }} }} }}
    deals(first: {ROWS}) {{ totalCount edges {{ node {{ id title customer {{ name }} }} }} }}
    activities(first: {ROWS}) {{ totalCount edges {{ node {{ id title customer {{ name }} }} }} }}
    campaigns(first: {ROWS}) {{ totalCount edges {{ node {{ id title code }} }} }}
    tickets(first: {ROWS}) {{ totalCount edges {{ node {{ id subject customer {{ name }} }} }} }}
  }}
}}"""
QUESTION_STARTS = frozenset(("who", "what", "which", "show", "list", "find", "how", "my", "all", "open", "active"))


def reads_as_question(text: str) -> bool:
    """Whether the box's text is a question rather than a name: it ends with "?", starts like a question,
    or names a list among three words or more ("customers in Germany")."""
    words = text.casefold().split()
    if not words:
        return False
    return (text.rstrip().endswith("?") or words[0] in QUESTION_STARTS
            or (len(words) >= 3 and any(w in ENTITY_WORDS or w in STATUS_NOUNS for w in words)))


# Per answer field: the row's title, detail and page.
def _row(field: str, node: dict[str, Any]) -> tuple[str, str, str]:
    customer = (node.get("customer") or {}).get("name") or ""
    match field:
        case "customers":
            return node["name"], ", ".join(filter(None, [node.get("city"), node.get("country")])), f"/customers/{node['id']}"
        case "contacts":
            return node["name"], node.get("email") or "", record_href("contact", node["id"], "/contacts")
        case "leads":
            return node["title"], node.get("companyName") or "", f"/leads?lead={node['id']}"
        case "deals":
            return node["title"], customer, record_href("deal", node["id"], "/pipeline")
        case "activities":
            return node["title"], customer, f"/tasks?task={node['id']}"
        case "campaigns":
            return node["title"], node.get("code") or "", f"/campaigns/{node['id']}"
        case _:
            return node["subject"], customer, f"/tickets/{node['id']}"


def _rows(answer: dict[str, Any], done: Callable[[Any], None]) -> list[VdomDict]:
    field = "activities" if answer["entity"] in ("TASKS", "ACTIVITIES") else answer["entity"].lower()
    page = answer.get(field) or {"edges": [], "totalCount": 0}
    rows = [_row(field, e["node"]) for e in page["edges"]]
    found = [html.a({"key": href, "href": href, "className": "search-hit", "data-search-hit": "true", "onClick": done},
                    html.span({"className": "search-title"}, title),
                    html.span({"className": "search-detail"}, detail) if detail else None)
             for title, detail, href in rows]
    total = page["totalCount"]
    return [
        html.div({"className": "search-heading"}, f"{field} ", html.span({"className": "muted"}, str(total))),
        *(found or [html.p({"className": "muted search-note"}, "Nothing you can see matches.")]),
    ]


@component
def AskPanel(question: str, done: Callable[[Any], None], search_instead: Callable[[Any], None]) -> VdomDict:
    result = use_query(ASK, {"q": question})
    answer = (result.data or {}).get("ask")
    if result.error:
        return error_banner(result.error)
    if answer is None:
        return html.p({"className": "muted search-note"}, "Reading the question…")
    if not answer["understood"]:
        return html.div(
            {"className": "ask-answer", "aria-label": "Answer"},
            html.p({"className": "search-note", "role": "status"}, answer["message"]),
            html.p({"className": "search-heading"}, "Try"),
            html.ul({"className": "ask-suggestions"}, *(html.li({"key": s}, s) for s in answer["suggestions"])),
            html.button({"type": "button", "className": "search-more ask-option", "data-search-hit": "true",
                         "onClick": search_instead}, f"Search names for “{question}” instead"),
        )
    return html.div(
        {"className": "ask-answer", "aria-label": "Answer"},
        html.p({"className": "search-note ask-lookup", "role": "status"}, answer["answer"]) if answer["answer"] else None,
        html.ul({"className": "chips", "aria-label": "Understood as"},
                *(html.li({"key": c["field"], "className": "chip"}, html.b(f"{c['label']}: "), c["value"])
                  for c in answer["chips"])),
        *_rows(answer, done),
        html.a({"href": answer["listPath"], "className": "search-more", "data-search-hit": "true", "onClick": done},
               "Open as list" + ("" if answer["listExact"] else " (with the filters the list has)")),
    )
