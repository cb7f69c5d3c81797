"""Keyset (cursor) pagination over any filtered Tortoise query: stable while rows are inserted."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from backend.errors import BadUserInput, QueryTooComplex
from backend.resolvers.columns import Columns, fetch, with_columns
from backend.schema.common import Connection, Edge, PageInfo
from backend.settings import get_settings

DEFAULT_PAGE = 20


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
    raw = json.dumps([field, _encode(getattr(row, field)), row.pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_cursor(cursor: str, field: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if name != field or not isinstance(pk, int):
            raise ValueError
        return _decode(value), pk
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise BadUserInput("after", "is not a cursor of this list in this order (cursors are per orderBy)") from None


def page_size(first: int | None) -> int:
    limit = get_settings().max_page_size
    if first is None:
        return DEFAULT_PAGE
    if first < 0:
        raise BadUserInput("first", "must not be negative")
    if first > limit:
        raise QueryTooComplex(f"first may be at most {limit}", limit=limit, value=first)
    return first


async def paginate(
    query: QuerySet,
    *,
    field: str,
    descending: bool,
    first: int | None,
    after: str | None,
    columns: Columns = None,
) -> Connection:
    """One page of `query` in (field, id) order; the count query stays lazy until `totalCount` is asked.
    With `columns`, the rows hold only those (and the page's key)."""
    size = page_size(first)
    page_query = query
    if after:
        value, pk = read_cursor(after, field)
        op = "lt" if descending else "gt"
        if field == "id":
            page_query = page_query.filter(**{f"id__{op}": pk})
        else:
            page_query = page_query.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}))
    prefix = "-" if descending else ""
    ordering = [f"{prefix}{field}", f"{prefix}id"] if field != "id" else [f"{prefix}id"]
    rows = await fetch(page_query.order_by(*ordering).limit(size + 1), with_columns(columns, field)) if size else []
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
        count_query=query,
    )
