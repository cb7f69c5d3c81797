"""Rows that mention a text (an email address, a name) anywhere in their text or JSON columns, over every
model's table: what a data subject request exports and erases. Generic on purpose: a table added later
is covered without anyone remembering to list it here."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tortoise import Tortoise, connections, fields
from tortoise.fields.data import CharEnumFieldInstance, IntEnumFieldInstance
from tortoise.models import Model

ERASED = "[erased]"


@dataclass(frozen=True)
class Table:
    name: str
    pk: str
    text: tuple[str, ...]  # text columns (CharField, TextField)
    json: tuple[str, ...]  # JSON columns


def tables() -> list[Table]:
    """Every model's table with the columns that can hold free text."""
    found = []
    models: list[type[Model]] = list(Tortoise.apps["models"].values())
    for model in models:
        meta = model._meta
        text, as_json = [], []
        for name, field in meta.fields_map.items():
            column = field.source_field or name
            if isinstance(field, (CharEnumFieldInstance, IntEnumFieldInstance)):
                continue  # a fixed vocabulary, never a person's data
            if isinstance(field, fields.JSONField):
                as_json.append(column)
            elif isinstance(field, (fields.CharField, fields.TextField)):
                text.append(column)
        if text or as_json:
            found.append(Table(meta.db_table, meta.db_pk_column, tuple(text), tuple(as_json)))
    return found


def _postgres() -> bool:
    return bool(connections.get("default").capabilities.dialect == "postgres")


def _marks(count: int, start: int = 1) -> list[str]:
    return [f"${i}" for i in range(start, start + count)] if _postgres() else ["?"] * count


async def _query(sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    _, rows = await connections.get("default").execute_query(sql, list(params))
    return [dict(row) for row in rows]


def _pattern(needles: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)), re.IGNORECASE)


async def mentioning(table: Table, needles: Sequence[str]) -> list[dict[str, Any]]:
    """The primary key and text columns (JSON as its text) of the rows of `table` mentioning any needle."""
    columns = [*table.text, *table.json]
    pairs = [(column, needle) for column in columns for needle in needles]
    marks = _marks(len(pairs))
    where = " OR ".join(f'lower(CAST("{column}" AS TEXT)) LIKE {mark}' for (column, _), mark in zip(pairs, marks, strict=True))
    listed = ", ".join(f'CAST("{column}" AS TEXT) AS "{column}"' for column in columns)
    sql = f'SELECT "{table.pk}" AS pk, {listed} FROM "{table.name}" WHERE {where}'
    rows = await _query(sql, [f"%{needle.lower()}%" for _, needle in pairs])
    pattern = _pattern(needles)  # LIKE's `_` matches any character: keep only true mentions
    return [row for row in rows if any(isinstance(row[c], str) and pattern.search(row[c]) for c in columns)]


async def rows_by_pk(table: Table, pks: Sequence[Any]) -> list[dict[str, Any]]:
    if not pks:
        return []
    sql = f'SELECT * FROM "{table.name}" WHERE "{table.pk}" IN ({", ".join(_marks(len(pks)))})'
    return await _query(sql, pks)


async def scrub(table: Table, needles: Sequence[str]) -> int:
    """Replace every mention of a needle in `table` by ERASED; the number of rows changed."""
    pattern = _pattern(needles)
    rows = await mentioning(table, needles)
    for row in rows:
        changed = {c: pattern.sub(ERASED, row[c]) for c in (*table.text, *table.json) if isinstance(row[c], str)}
        changed = {c: value for c, value in changed.items() if value != row[c]}
        if not changed:
            continue
        marks = _marks(len(changed) + 1)
        sets = ", ".join(
            f'"{c}" = CAST({mark} AS JSONB)' if c in table.json and _postgres() else f'"{c}" = {mark}'
            for c, mark in zip(changed, marks[:-1], strict=True)
        )
        await _query(f'UPDATE "{table.name}" SET {sets} WHERE "{table.pk}" = {marks[-1]}', [*changed.values(), row["pk"]])
    return len(rows)


def plain(value: Any) -> Any:
    """A database value as JSON can hold it (JSON text columns decoded)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return None  # binary (file contents) is no text about a person; files are listed by their rows
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
