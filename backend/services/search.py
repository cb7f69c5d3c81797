"""Search conditions, in one place so the index behind them can change alone.

Customers are found by any fragment of their name, email, phone or contact names (`search_text`);
contacts, leads, deals and campaigns by fragments of the columns in SEARCHED. SQLite answers from FTS5
trigram indexes (m0004, m0009), PostgreSQL from pg_trgm GIN indexes; fragments shorter than a trigram
fall back to a plain substring test.
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


# The columns each entity's search looks in; m0009 indexes exactly these.
SEARCHED = {
    "contact": ("name", "email", "phone"),
    "lead": ("title", "company_name"),
    "deal": ("title",),
    "campaign": ("title", "code", "description"),
}


def _sqlite() -> bool:
    return connections.get("default").capabilities.dialect == "sqlite"


def _fts_rows(table: str, word: str) -> Q:
    """Rows of `table` whose indexed text contains `word` (SQLite; at least 3 characters, a trigram)."""
    return Q(id__in=RawSQL(f"(SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH {_sqlite_phrase(word)})"))


def indexed_search_q(table: str, text: str) -> Q:
    """Rows of `table` (a key of SEARCHED) where each word of `text` is in one of its searched columns,
    ignoring case. On PostgreSQL the ORM's icontains is what the m0009 indexes cover."""
    fields = SEARCHED[table]
    sqlite = _sqlite()
    condition = Q()
    for word in search_words(text):
        if sqlite and len(word) >= 3:
            condition &= _fts_rows(table, word)
        else:
            condition &= Q(*(Q(**{f"{field}__icontains": word}) for field in fields), join_type="OR")
    return condition


def every_word(text: str, *fields: str) -> Q:
    """Rows where each word of `text` is in at least one of `fields` (case-insensitive substring)."""
    condition = Q()
    for word in search_words(text):
        condition &= Q(*(Q(**{f"{field}__icontains": word}) for field in fields), join_type="OR")
    return condition


def customer_search_q(text: str) -> Q:
    """Customers whose searchable text contains every word of `text`."""
    words = search_words(text)
    sqlite = _sqlite()
    condition = Q()
    for word in words:
        if sqlite and len(word) >= 3:
            condition &= _fts_rows("customer", word)
        else:
            condition &= Q(search_text__contains=word)
    return condition
