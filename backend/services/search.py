"""Search conditions, in one place so the index behind them can change alone.

Customers are found by any fragment of their name, email, phone or contact names (`search_text`).
SQLite answers from an FTS5 trigram index, PostgreSQL from a pg_trgm GIN index; fragments shorter
than a trigram fall back to a plain substring test.
"""

from __future__ import annotations

from tortoise import connections
from tortoise.expressions import Q, RawSQL

from backend.services import validate as v


def _sqlite_phrase(word: str) -> str:
    phrase = '"' + word.replace('"', '""') + '"'
    return "'" + phrase.replace("'", "''") + "'"


def customer_search_q(text: str) -> Q:
    """Customers whose searchable text contains every word of `text`."""
    cleaned = v.text("search", text, max_length=200).lower()
    words = cleaned.split()[:10]
    sqlite = connections.get("default").capabilities.dialect == "sqlite"
    condition = Q()
    for word in words:
        if sqlite and len(word) >= 3:
            condition &= Q(
                id__in=RawSQL(f"(SELECT rowid FROM customer_fts WHERE customer_fts MATCH {_sqlite_phrase(word)})")
            )
        else:
            condition &= Q(search_text__contains=word)
    return condition
