"""Search conditions, in one place so the index behind them can change alone.

Customers are found by any fragment of their name, email, phone or contact names (`search_text`);
contacts, leads, deals and campaigns by fragments of the columns in SEARCHED. SQLite answers from FTS5
trigram indexes (m0004, m0009), PostgreSQL from pg_trgm GIN indexes; fragments shorter than a trigram
fall back to a plain substring test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise import connections
from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.queryset import QuerySet

from backend.errors import BadUserInput
from backend.models import Contact, Customer
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


@asynccontextmanager
async def indexed_in_bulk(table: str) -> AsyncIterator[list[int]]:
    """Inside the caller's transaction: rows of `table` inserted in the block, whose ids the caller appends to
    the yielded list, enter the SQLite full-text index in one statement at the end instead of one trigger call
    each. The insert trigger fires FTS5 once per row in a sub-statement, which flushes its pending index data
    every time: 20,000 customers cost 3.6 s of CPU that way and 0.3 s at once (measured on this machine).

    The trigger is dropped and re-created from its own stored SQL inside the same transaction, so no other
    connection ever sees the table without it; a rollback restores it. PostgreSQL's pg_trgm indexes are
    ordinary indexes: nothing to do there."""
    conn = connections.get("default")
    ids: list[int] = []
    trigger = f"{table}_fts_insert"
    if conn.capabilities.dialect != "sqlite":
        yield ids
        return
    found = await conn.execute_query_dict("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [trigger])
    if not found:
        yield ids
        return
    await conn.execute_query(f'DROP TRIGGER "{trigger}"')  # (execute_script would commit first: never here)
    yield ids
    if ids:
        columns = ", ".join(f'"{row["name"]}"' for row in await conn.execute_query_dict(f'PRAGMA table_info("{table}_fts")'))
        for start in range(0, len(ids), 900):  # one statement per 900 ids: each statement flushes FTS5 once
            part = ids[start:start + 900]
            await conn.execute_query(f'INSERT INTO "{table}_fts" (rowid, {columns}) SELECT id, {columns} FROM '
                                     f'"{table}" WHERE id IN ({", ".join("?" * len(part))})', part)
    await conn.execute_query(found[0]["sql"])


# The digits of a stored phone (validate.phone allows only digits, spaces and + ( ) . - /), as m0021 indexes them.
_PHONE_DIGITS = '"phone"'
for _sep in (" ", "-", ".", "(", ")", "/", "+"):
    _PHONE_DIGITS = f"replace({_PHONE_DIGITS}, '{_sep}', '')"


def phone_key_sql() -> str:
    """The last nine digits of `phone`, written exactly as m0021's expression index on customer and contact."""
    return f"substr({_PHONE_DIGITS}, -9)" if _sqlite() else f"right({_PHONE_DIGITS}, 9)"


def phone_keys(key: str) -> list[str]:
    """What the indexed expression holds for a phone whose matching key (matching.normalise_phone) is `key`:
    the key itself, and for a short national number also its forms with the trunk 0 or 00 still in front."""
    if not key.isdigit():
        return []
    return sorted({("0" * zeros + key)[-9:] for zeros in range(3)}) if len(key) < 9 else [key]


def phone_key_q(table: str, key: str) -> Q:
    """Rows of `table` (customer or contact) whose phone has the matching key `key`, found through the index."""
    keys = phone_keys(key)
    if not keys:
        return Q(id__in=[])
    listed = ", ".join(f"'{k}'" for k in keys)  # digits only (checked above): safe inside the SQL text
    return Q(id__in=RawSQL(f'(SELECT "id" FROM "{table}" WHERE {phone_key_sql()} IN ({listed}))'))


ARCHIVED_DESCRIPTION = ("Those linked to an archived (or merged-away) customer or contact: true for only those, false "
                        "for none of them (as the global search asks by default), null for all")


def by_archived_links(query: QuerySet, archived: bool | None) -> QuerySet:
    """A list of leads or deals narrowed by its `archived:` argument (archived_links_q on their customer and
    contact; None: all of them)."""
    return query if archived is None else query.filter(archived_links_q(archived, "customer_id", "contact_id"))


def archived_links_q(archived: bool, *links: str) -> Q:
    """Rows whose `links` (customer_id, contact_id) name an archived or merged-away record (`archived`), or
    rows whose links name none (not `archived`; a row without a customer or contact counts as in use)."""
    put_away: dict[str, Any] = {"customer_id": Subquery(Customer.filter(archived_at__isnull=False).values("id")),
                                "contact_id": Subquery(Contact.filter(archived_at__isnull=False).values("id"))}
    if archived:
        return Q(*(Q(**{f"{link}__in": put_away[link]}) for link in links), join_type="OR")
    # Spelled out rather than NOT (… IN …): SQL's NOT over a NULL link would drop the row.
    unlinked: dict[str, Any] = {link: True for link in links}
    return Q(*(Q(**{f"{link}__isnull": unlinked[link]}) | Q(**{f"{link}__not_in": put_away[link]}) for link in links))
