"""Full-text-ish search conditions, in one place so the index behind them can change alone."""

from __future__ import annotations

from tortoise.expressions import Q

from backend.errors import BadUserInput


def customer_search_q(text: str) -> Q:
    """Customers whose name, email, phone or contact names contain every word of `text`."""
    words = text.lower().split()
    if len(text) > 200 or len(words) > 10:
        raise BadUserInput("search", "at most 200 characters and 10 words")
    condition = Q()
    for word in words:
        condition &= Q(search_text__contains=word)
    return condition
