"""The JSON functions of SQLite and PostgreSQL, and one statement's parameters.

Placeholders are numbered (`?N` on SQLite, `$N` on PostgreSQL), so pieces rendered by Tortoise (row rules,
filters) can be embedded anywhere in the text: each piece's placeholders are renumbered as it is taken in."""

from __future__ import annotations

import re
from typing import Any

MAX_PAIRS = 50  # PostgreSQL's functions take at most 100 arguments: json_build_object at most 50 keys

_SQLITE_MARK = re.compile(r"\?")
_PG_MARK = re.compile(r"\$(\d+)")


class Statement:
    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.params: list[Any] = []

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}" if self.postgres else f"?{len(self.params)}"

    def embed(self, sql: str, params: list[Any]) -> str:
        """A piece of SQL with its own placeholders (from Tortoise), numbered after those taken so far."""
        offset = len(self.params)
        self.params.extend(params)
        if self.postgres:
            return _PG_MARK.sub(lambda m: f"${int(m.group(1)) + offset}", sql)
        counter = iter(range(offset + 1, offset + len(params) + 1))
        return _SQLITE_MARK.sub(lambda m: f"?{next(counter)}", sql)

    def obj(self, pairs: list[tuple[str, str]]) -> str:
        """A JSON object of (key, SQL expression) pairs, in their order."""
        if len(pairs) > MAX_PAIRS:
            from backend.compiled.selection import NotCovered

            raise NotCovered("an object of more than 50 keys")
        function = "json_build_object" if self.postgres else "json_object"
        return f"{function}({', '.join(f'{self.text(k)}, {v}' for k, v in pairs)})"

    def text(self, value: str) -> str:
        """A string constant (response keys, type names: names of the schema, never the client's text)."""
        assert re.fullmatch(r"[_A-Za-z][_0-9A-Za-z]*", value)
        return f"'{value}'"

    def nested(self, subquery: str) -> str:
        """A subquery's JSON as a value inside another JSON value (SQLite would take it for text otherwise)."""
        return f"({subquery})" if self.postgres else f"json(({subquery}))"

    def array(self, *items: str) -> str:
        return f"{'json_build_array' if self.postgres else 'json_array'}({', '.join(items)})"

    def aggregate(self, item: str, order: str) -> str:
        """The JSON array of `item` over the rows of a FROM already in `order` ('[]' when none)."""
        if self.postgres:
            return f"coalesce(json_agg({item} ORDER BY {order}), '[]'::json)"
        return f"json_group_array({item})"  # SQLite 3.40 has no ORDER BY in aggregates: rows come in FROM's order
