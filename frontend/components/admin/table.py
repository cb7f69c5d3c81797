"""Cells of the admin tables marked "cards": on a phone each row becomes a card, each cell labelled."""

from __future__ import annotations

from typing import Any

from reactpy import html
from reactpy.types import VdomDict


def cell(label: str, *children: Any, wrap: bool = False, nowrap: bool = False) -> VdomDict:
    """One table cell; its content sits in one box, so on a phone the label stays left and the content right."""
    name = "wrap" if wrap else "nowrap" if nowrap else ""
    return html.td({"data-label": label, "className": name}, html.div({"className": "cell"}, *children))
