"""Keyset (cursor) pagination over any filtered Tortoise query: stable while rows are inserted.

The Relay connection types live here, beside the only code that builds them, and so does the page-size
cap: the cost rule (backend.graphql.limits) and the UI read MAX_FIRST from here."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar

import strawberry
from tortoise.expressions import Q
from tortoise.fields import Field
from tortoise.models import Model
from tortoise.queryset import QuerySet

from backend.errors import BadUserInput, QueryTooComplex
from backend.interop.tortoise import field_of, pk_of
from backend.reads.columns import Columns, fetch, with_columns

T = TypeVar("T")

MAX_FIRST = 100  # the largest page of any list: page_size refuses more, the cost rule counts `first: $n` as this
DEFAULT_PAGE = 20
NESTED_MAX = 50  # the most rows a list nested in a record shows (a timeline, a leaderboard)
FIRST_DESCRIPTION = f"Page size (default {DEFAULT_PAGE}, at most {MAX_FIRST})"


@strawberry.type(description="Where a page starts and ends, and whether there are more rows")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More rows follow `endCursor`")
    has_previous_page: bool = strawberry.field(description="Rows precede this page (an `after` cursor was given)")
    start_cursor: str | None = strawberry.field(description="Cursor of the first row of the page")
    end_cursor: str | None = strawberry.field(description="Pass as `after` to get the next page")


@strawberry.type(description="A row and its cursor")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque keyset cursor of this row")
    node: T = strawberry.field(description="The row")


class Counter(Protocol):
    """What totalCount counts: a list's query, or its count in a shape of its own (reads.held_count)."""

    def count(self) -> Awaitable[int]: ...


@strawberry.type(description="A page of rows (Relay connection)")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The rows of this page with their cursors")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist")
    count_query: strawberry.Private[Counter]

    @strawberry.field(description="How many rows match the filter and search, over all pages")
    async def total_count(self) -> int:
        return await self.count_query.count()


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "dt" in value:
        return datetime.fromisoformat(value["dt"])
    if isinstance(value, dict) and "d" in value:
        return date.fromisoformat(value["d"])
    return value


def make_cursor(field: str, row: Any) -> str:
    return cursor_of(field, getattr(row, field), row.pk)


def cursor_of(field: str, value: Any, pk: int) -> str:
    """The cursor of the row whose `field` holds `value` (compiled reads build it from the database's JSON)."""
    raw = json.dumps([field, _encode(value), pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_cursor(cursor: str, field: str, model: type[Model]) -> tuple[Any, int]:
    """The (value, id) a cursor of this list holds. A forged one (wrong shape, a value its column cannot
    hold, a key past the id column's range, a NUL byte PostgreSQL refuses in text) is the client's mistake
    in `after`, refused before the database sees it."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        value = _decode(value)
        column = field_of(model, field)
        if name != field or not _fits(pk, pk_of(model)) or not (_fits(value, column) or value is None and column.null):
            raise ValueError
        return value, pk
    except (ValueError, TypeError, RecursionError):  # binascii.Error and JSON's errors are ValueErrors
        raise BadUserInput("after", "is not a cursor of this list in this order (cursors are per orderBy)") from None


def _fits(value: Any, column: Field) -> bool:
    """Whether `value` is what `column` holds, as make_cursor writes it."""
    enum_type = getattr(column, "enum_type", None)
    if enum_type is not None:
        return any(value == member.value for member in enum_type)
    kind = column.field_type
    if kind is int:
        bounds = column.constraints
        return type(value) is int and bounds.get("ge", -(2**63)) <= value <= bounds.get("le", 2**63 - 1)
    if kind is datetime:
        return type(value) is datetime and value.tzinfo is not None
    if kind is date:
        return type(value) is date
    if kind is str:
        return isinstance(value, str) and "\x00" not in value and _is_unicode(value)
    return False  # no list is ordered by another kind of column


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def page_size(first: int | None, cap: int = MAX_FIRST) -> int:
    if first is None:
        return DEFAULT_PAGE
    if first < 0:
        raise BadUserInput("first", "must not be negative")
    if first > cap:
        raise QueryTooComplex(f"first may be at most {cap}", limit=cap, value=first)
    return first


def nested_size(first: int | None) -> int:
    """How many rows a list nested in a record shows for `first` (refused as page_size refuses it): at most 50."""
    return min(page_size(first), NESTED_MAX)


def keyset_page(query: QuerySet, field: str, descending: bool, after: str | None, size: int) -> QuerySet:
    """The rows of one page of `query` in (field, id) order after the cursor `after`, and one more that tells
    whether another page follows (paginate reads it; the compiled reads embed it in their statement)."""
    if after:
        value, pk = read_cursor(after, field, query.model)
        op = "lt" if descending else "gt"
        if field == "id":
            query = query.filter(**{f"id__{op}": pk})
        else:
            query = query.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}))
    prefix = "-" if descending else ""
    ordering = [f"{prefix}{field}", f"{prefix}id"] if field != "id" else [f"{prefix}id"]
    return query.order_by(*ordering).limit(size + 1)


def nulls_last_parts(query: QuerySet, field: str, descending: bool, after: str | None, size: int
                     ) -> tuple[QuerySet | None, QuerySet]:
    """One page of `query` over a nullable column, nulls last, as two reads (databases disagree on where NULLs
    sort): the rows with a value after the cursor in (field, id) order, one more than the page (None when the
    cursor is past them); then the rows without, after the cursor by id (its caller limits it)."""
    op, prefix = ("lt", "-") if descending else ("gt", "")
    valued = query.filter(**{f"{field}__isnull": False})
    with_value: QuerySet | None = valued
    without = query.filter(**{f"{field}__isnull": True})
    if after:
        value, pk = read_cursor(after, field, query.model)
        if value is None:
            with_value, without = None, without.filter(**{f"id__{op}": pk})
        else:
            with_value = valued.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}))
    ordered = None if with_value is None else with_value.order_by(f"{prefix}{field}", f"{prefix}id").limit(size + 1)
    return ordered, without.order_by(f"{prefix}id")


async def paginate(
    query: QuerySet,
    *,
    field: str,
    descending: bool,
    first: int | None,
    after: str | None,
    columns: Columns = None,
    cap: int = MAX_FIRST,
    count_query: QuerySet | None = None,
) -> Connection:
    """One page of `query` in (field, id) order; the count query stays lazy until `totalCount` is asked.
    With `columns`, the rows hold only those (and the page's key). `cap`: the largest page (an export's
    flat rows take bigger pages than a list's objects). `count_query`: the same rows, in a shape the
    database counts faster (custom_fields.filtered)."""
    size = page_size(first, cap)
    rows = await fetch(keyset_page(query, field, descending, after, size), with_columns(columns, field)) if size else []
    has_next = len(rows) > size
    rows = rows[:size]
    edges = [Edge(cursor=make_cursor(field, row), node=row) for row in rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=bool(after),
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count_query=query if count_query is None else count_query,
    )
