"""Search conditions, in one place so the index behind them can change alone.

Customers are found by any fragment of their name, email, phone or contact names (`search_text`).
SQLite answers from an FTS5 trigram index, PostgreSQL from a pg_trgm GIN index; fragments shorter
than a trigram fall back to a plain substring test.
"""

from __future__ import annotations

from tortoise import connections
from tortoise.expressions import Q, RawSQL

from backend.errors import BadUserInput
from backend.services import validate as v


def _sqlite_phrase(word: str) -> str:
    phrase = '"' + word.replace('"', '""') + '"'
    return "'" + phrase.replace("'", "''") + "'"


def search_words(text: str) -> list[str]:
    """The words typed into a search box: at most 200 characters and 10 words, no control characters."""
    words = v.text("search", text, max_length=200).lower().split()
    if len(words) > 10:
        raise BadUserInput("search", "at most 10 words")
    return words


def every_word(text: str, *fields: str) -> Q:
    """Rows where each word of `text` is in at least one of `fields` (case-insensitive substring)."""
    condition = Q()
    for word in search_words(text):
        condition &= Q(*(Q(**{f"{field}__icontains": word}) for field in fields), join_type="OR")
    return condition


def customer_search_q(text: str) -> Q:
    """Customers whose searchable text contains every word of `text`."""
    words = search_words(text)
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
