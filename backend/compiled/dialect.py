"""The JSON functions of SQLite and PostgreSQL, and one statement's parameters and marked leaves.

Placeholders are numbered (`?N` on SQLite, `$N` on PostgreSQL), so pieces rendered by Tortoise (row rules,
filters) can be embedded anywhere in the text: each piece's placeholders are renumbered as it is taken in.

A leaf that only Python can write (a cursor) is marked: the statement writes it as a string holding a mark, the
leaf's number and its raw JSON, and `finish` replaces each such string in the statement's text by its answer.
The mark is random per process, so no stored text can pose as one."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from typing import Any

MAX_PAIRS = 50  # PostgreSQL's functions take at most 100 arguments: json_build_object at most 50 keys

# A placeholder, or a quoted string constant whose text stays as it is (a search phrase may hold "?" or "$1").
_SQLITE_MARK = re.compile(r"'(?:[^']|'')*'|\?")
_PG_MARK = re.compile(r"'(?:[^']|'')*'|\$(\d+)")
MARK = f"crm{secrets.token_hex(12)}:"
_MARKED = re.compile(f'"{MARK}' + r'(\d+):((?:[^"\\]|\\.)*)"')


class Statement:
    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.params: list[Any] = []
        self.converts: list[Callable[[Any], Any]] = []
        self.kept = True  # false: rendered with the time of its request, so never used for another
        self.by_origin = False  # true: its answer holds the request's origin (a campaign's addresses)

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}" if self.postgres else f"?{len(self.params)}"

    def embed(self, sql: str, params: list[Any]) -> str:
        """A piece of SQL with its own placeholders (from Tortoise), numbered after those taken so far."""
        offset = len(self.params)
        self.params.extend(params)
        if self.postgres:
            return _PG_MARK.sub(lambda m: m[0] if m[1] is None else f"${int(m[1]) + offset}", sql)
        counter = iter(range(offset + 1, offset + len(params) + 1))
        return _SQLITE_MARK.sub(lambda m: m[0] if m[0] != "?" else f"?{next(counter)}", sql)

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

    def boolean(self, sql: str) -> str:
        """A condition or boolean column as a JSON boolean (SQLite's are the integers 1 and 0)."""
        if self.postgres:
            return f"({sql})"
        return f"json(CASE WHEN ({sql}) IS NULL THEN NULL WHEN ({sql}) THEN 'true' ELSE 'false' END)"

    def instant(self, sql: str) -> str:
        """A timestamp column as Python's isoformat in UTC: microseconds only when there are some."""
        if self.postgres:
            utc = f"({sql}) AT TIME ZONE 'UTC'"
            return (f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN to_char({utc}, 'US') = '000000' "
                    f"THEN '' ELSE to_char({utc}, '.US') END || '+00:00')")
        # SQLite holds the text Python wrote (isoformat(" ")): strftime reads its offset into UTC
        return (f"(strftime('%Y-%m-%dT%H:%M:%S', {sql}) || CASE WHEN substr({sql}, 20, 1) = '.' "
                f"THEN substr({sql}, 20, 7) ELSE '' END || '+00:00')")

    def past(self, sql: str) -> str:
        """Whether the instant `sql` holds is before now, by the database's clock when the statement runs (so a
        kept statement never holds a stale time)."""
        return f"({sql}) < now()" if self.postgres else f"julianday({sql}) < julianday('now')"

    def mark(self, sql: str, convert: Callable[[Any], Any]) -> str:
        """A leaf `convert` writes from the JSON value of `sql` (null stays null)."""
        self.converts.append(convert)
        raw = f"CAST(to_json({sql}) AS TEXT)" if self.postgres else f"json_quote({sql})"
        return f"('{MARK}{len(self.converts) - 1}:' || {raw})"

    def json_string(self, sql: str) -> str:
        """A text value as a JSON string (a marked leaf that is a root field's whole answer)."""
        return f"to_json({sql})" if self.postgres else f"json_quote({sql})"

    def finish(self, text: str) -> str:
        """The statement's JSON text with each marked leaf replaced by its answer."""
        if not self.converts:
            return text

        def answer(found: re.Match[str]) -> str:
            raw = json.loads(json.loads(f'"{found.group(2)}"'))
            return json.dumps(None if raw is None else self.converts[int(found.group(1))](raw))

        return _MARKED.sub(answer, text)

    def json_text(self, sql: str, key: str, index: int) -> str:
        """The text of item `index` of the list under `key` of the JSON object column `sql` (null: none)."""
        assert re.fullmatch(r"[_a-z]+", key)
        if self.postgres:
            return f"({sql} -> '{key}' ->> {int(index)})"
        return f"CAST(json_extract({sql}, '$.{key}[{int(index)}]') AS TEXT)"

    def array(self, *items: str) -> str:
        return f"{'json_build_array' if self.postgres else 'json_array'}({', '.join(items)})"

    def aggregate(self, item: str, order: str) -> str:
        """The JSON array of `item` over the rows of a FROM already in `order` ('[]' when none)."""
        if self.postgres:
            return f"coalesce(json_agg({item} ORDER BY {order}), '[]'::json)"
        return f"json_group_array({item})"  # SQLite 3.40 has no ORDER BY in aggregates: rows come in FROM's order
