"""A page of rows as the statement writes it, as reads.paging.paginate answers one: its edges with their cursors
and its pageInfo, from the page's rows and one more, numbered in the page's order (`rn`). A root list's page is a
named subquery of its statement (lists.py); a list paged inside a record (a campaign's enrolees, its mail, its
greetings) is one page per record, a subquery of that record's row (`paged`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from tortoise.fields import Field
from tortoise.models import Model

from backend.compiled.computed import Compiler, Relation
from backend.compiled.selection import Selected
from backend.reads.paging import cursor_of, page_size, read_cursor

Narrow = Callable[[Compiler, Selected, str], str]  # a nested page's own conditions on its row alias (" AND …")


class Ordered(Protocol):
    """A page's order: the column `name` of the numbered page, its direction, and how a row's cursor is written."""

    @property
    def name(self) -> str: ...

    @property
    def descending(self) -> bool: ...

    def cursor(self, raw: list[Any]) -> str: ...


@dataclass(frozen=True)
class Order:
    """The page's order: a built-in column of the list's model (then the id), as reads.paging.paginate sorts."""

    column: Field
    descending: bool

    @property
    def name(self) -> str:
        return self.column.model_field_name

    def cursor(self, raw: list[Any]) -> str:
        """The cursor of a row from its (column, id) as the statement's JSON holds them (PostgreSQL writes an
        instant in the session's zone; the driver reads it in UTC)."""
        return cursor_of(self.name, in_utc(self.column.to_python_value(raw[0])), raw[1])


def in_utc(value: Any) -> Any:
    """An instant in UTC, as the resolver path's rows hold it (anything else as it is)."""
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def by(order: Ordered, row: str = "t0") -> str:
    """ORDER BY of the page's rows (alias `row`): the order's column, then the id, both in its direction."""
    direction = "DESC" if order.descending else "ASC"
    return f'{row}."{order.name}" {direction}, {row}."id" {direction}'


def _cursor(c: Compiler, order: Ordered, row: str) -> str:
    """The cursor of the page's row `row`, written by the order from its (value, id)."""
    return c.st.mark(c.st.array(f'{row}."{order.name}"', f'{row}."id"'), order.cursor)


def edges(c: Compiler, f: Selected, size: int, order: Ordered, page: str, row: str = "p") -> str:
    """The edges of the numbered page `page` (a FROM item), read as `row`."""

    def one(sub: Selected) -> str:
        if sub.name == "cursor":
            return _cursor(c, order, row)
        return c.node(sub.type.name, sub.fields, row)  # node

    item = c.obj(f.type.name, f.fields, one)
    rows = f"SELECT * FROM {page} {row} WHERE {row}.rn <= {size} ORDER BY {row}.rn"
    return c.st.nested(f"SELECT {c.st.aggregate(item, f'{row}.rn')} FROM ({rows}) {row}")


def page_info(c: Compiler, f: Selected, size: int, after: bool, order: Ordered, page: str, row: str = "p") -> str:
    """The pageInfo of the numbered page `page` (a FROM item), read as `row`."""

    def one(sub: Selected) -> str:
        if sub.name == "hasNextPage":
            return c.st.boolean(f"(SELECT count(*) FROM {page} {row}) > {size}")
        if sub.name == "hasPreviousPage":
            return c.st.boolean("1 = 1" if after else "1 = 0")
        if sub.name == "startCursor":
            return f"(SELECT {_cursor(c, order, row)} FROM {page} {row} WHERE {row}.rn = 1)"
        return (f"(SELECT {_cursor(c, order, row)} FROM {page} {row} WHERE {row}.rn <= {size} "  # endCursor
                f"ORDER BY {row}.rn DESC LIMIT 1)")

    return c.obj(f.type.name, f.fields, one)


def paged(model: type[Model], key: str, field: str, descending: bool, narrow: Narrow | None = None) -> Relation:
    """The rows of `model` that belong to the parent row (`key` holds its id), paged by `first` and `after` in
    (`field`, id) order with `totalCount`, as the field's resolver pages them (reads.paging.paginate over its
    query); `narrow`: the field's own conditions (a status). A bad `first`, or a forged cursor of a page that reads
    rows, is refused here, and the resolver path answers with its error."""

    def relation(c: Compiler, f: Selected, row: str) -> str:
        size = page_size(f.args.get("first"))
        order = Order(model._meta.fields_map[field], descending)
        a, table = c.alias(), model._meta.db_table
        where = f'{a}."{key}" = {row}."id"' + (narrow(c, f, a) if narrow is not None else "")
        after = f.args.get("after")
        keyset = _after(c, order, model, a, after) if after and size else ""  # first: 0 reads no cursor
        rows = (f'SELECT {a}.* FROM "{table}" {a} WHERE {where}{keyset} ORDER BY {by(order, a)} LIMIT {size + 1}'
                if size else f'SELECT {a}.* FROM "{table}" {a} WHERE 1 = 0')  # first: 0 reads no row
        page = f"(SELECT {a}.*, ROW_NUMBER() OVER (ORDER BY {by(order, a)}) AS rn FROM ({rows}) {a})"
        listed = c.alias()

        def one(sub: Selected) -> str:
            if sub.name == "totalCount":
                return f'(SELECT count(*) FROM "{table}" {a} WHERE {where})'
            if sub.name == "edges":
                return edges(c, sub, size, order, page, listed)
            return page_info(c, sub, size, bool(after), order, page, listed)  # pageInfo

        return c.obj(f.type.name, f.fields, one)

    return relation


def _after(c: Compiler, order: Order, model: type[Model], row: str, after: str) -> str:
    """The rows past the cursor `after` in the order (reads.paging.keyset_page's condition)."""
    value, pk = read_cursor(after, order.name, model)
    op = "<" if order.descending else ">"
    held, key = c.st.param(order.column.to_db_value(value, model)), c.st.param(pk)
    column = f'{row}."{order.name}"'
    return f" AND ({column} {op} {held} OR ({column} = {held} AND {row}.\"id\" {op} {key}))"
