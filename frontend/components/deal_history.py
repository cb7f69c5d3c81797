"""A deal's history on its page: stage moves and edits of its amount, currency, expected close date,
probability and owner, newest first, each as "what: before → after", who and when."""

from __future__ import annotations

from typing import Any

from reactpy import html
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend.components.field_change import FIELD_CHANGE, label, text

HISTORY_FIELDS = f"""
    stageHistory {{ changedAt fromStage {{ name }} toStage {{ name }} changedBy {{ name }} }}
    fieldHistory {{ {FIELD_CHANGE} changedAt changedBy {{ name }} }}
"""


def _entry(key: str, what: list[Any], when: str, by: dict[str, Any] | None, kind: str) -> VdomDict:
    return html.li({"key": key, "className": kind}, *what,
                   html.div({"className": "when"}, fmt.moment(when), f" · {by['name']}" if by else ""))


def history(deal: dict[str, Any]) -> VdomDict:
    moves = [(change["changedAt"], _entry(
        f"s{i}",
        [html.strong(change["toStage"]["name"]),
         html.span({"className": "muted"}, f" from {change['fromStage']['name']}" if change["fromStage"] else " (created)")],
        change["changedAt"], change["changedBy"], "stage-change"))
        for i, change in enumerate(deal["stageHistory"])]
    edits = [(change["changedAt"], _entry(
        f"f{i}",
        [html.strong(label(change)), f": {text(change, 'old')} → {text(change, 'new')}"],
        change["changedAt"], change["changedBy"], "field-change"))
        for i, change in enumerate(deal["fieldHistory"])]
    # Newest first; both lists come oldest first, and a stable sort keeps each one's own order on equal times.
    entries = [entry for _, entry in sorted(moves + edits, key=lambda pair: pair[0], reverse=True)]
    return html.section(
        {"className": "panel", "aria-label": "History"},
        html.h2("History"),
        html.ol({"className": "stage-history"}, *entries),
    )
