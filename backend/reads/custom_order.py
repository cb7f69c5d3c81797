"""Keyset pages of a list sorted by a custom field: (value, id), empty values last in both directions.

The value is a correlated subquery on custom_value's unique (record_id, field_id) index, so sorting needs
no join that could repeat rows. Cursors hold the custom field's key, the raw value and the id; one of
another order or another field is refused like any forged cursor (`after`)."""

from __future__ import annotations

import base64
import json
import math
from datetime import date, datetime
from enum import Enum
from typing import Any, Protocol

from tortoise.expressions import Q, RawSQL
from tortoise.queryset import QuerySet

from backend.errors import BadUserInput
from backend.models import CustomEntity, CustomField
from backend.reads.columns import Columns
from backend.reads.paging import Connection, Counter, Edge, PageInfo, page_size, paginate
from backend.services.custom_fields import COLUMN, MAX_NUMBER, sort_field

SORT, EMPTY = "custom_sort", "custom_empty"  # the annotations' names


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def custom_cursor(field: CustomField, value: Any, pk: int) -> str:
    """The cursor of the row whose sort value (as the database driver reads it) is `value`."""
    raw = json.dumps([f"custom.{field.key}", _encode(value), pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _fits(column: str, value: Any) -> bool:
    """Whether `value` is what `column` reads back as (dates and times come back as text from SQLite)."""
    if value is None:
        return True
    if isinstance(value, str):
        return column in ("text_value", "long_text", "date_value", "datetime_value") and "\x00" not in value
    if column == "number_value":
        return type(value) in (int, float) and math.isfinite(value) and abs(value) <= MAX_NUMBER
    if column == "date_value":
        return type(value) is date
    if column == "datetime_value":
        return type(value) is datetime and value.tzinfo is not None
    if column == "bool_value":
        return value in (0, 1)
    return column == "user_id" and type(value) is int and 0 < value < 2**31


def _read(cursor: str, field: CustomField) -> tuple[Any, int]:
    try:
        name, value, pk = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        if isinstance(value, dict) and value.keys() == {"dt"}:
            value = datetime.fromisoformat(value["dt"])
        elif isinstance(value, dict) and value.keys() == {"d"}:
            value = date.fromisoformat(value["d"])
        if isinstance(value, str):
            value.encode("utf-8")  # a lone surrogate is no text
        if name != f"custom.{field.key}" or type(pk) is not int or not 0 < pk < 2**31 or not _fits(COLUMN[field.type], value):
            raise ValueError
        return value, pk
    except (ValueError, TypeError, RecursionError, UnicodeEncodeError):
        raise BadUserInput("after", "is not a cursor of this list in this order (cursors are per orderBy)") from None


async def paginate_by_custom(
    query: QuerySet, entity: CustomEntity, key: str, *, descending: bool, first: int | None, after: str | None
) -> Connection:
    """One page of `query` sorted by the custom field `key` of `entity` (orderBy.customField)."""
    field = await sort_field(entity, key)
    size = page_size(first)
    rows = await custom_page(query, field, descending, after, size) if size else []
    edges = [Edge(cursor=custom_cursor(field, getattr(row, SORT), row.pk), node=row) for row in rows[:size]]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size, has_previous_page=bool(after),
            start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None,
        ),
        count_query=query,
    )


def custom_page(query: QuerySet, field: CustomField, descending: bool, after: str | None, size: int) -> QuerySet:
    """The rows of one page of `query` sorted by the custom `field` after the cursor `after`, and one more that
    tells whether another page follows, each with its sort value (SORT) and whether it has none (EMPTY):
    paginate_by_custom reads it, the compiled reads embed it in their statement."""
    table = query.model._meta.db_table
    value = (f'(SELECT "{COLUMN[field.type]}" FROM "custom_value" '
             f'WHERE "field_id" = {int(field.id)} AND "record_id" = "{table}"."id")')
    page = query.annotate(**{SORT: RawSQL(value), EMPTY: RawSQL(f"(CASE WHEN {value} IS NULL THEN 1 ELSE 0 END)")})
    op = "lt" if descending else "gt"
    if after:
        last, pk = _read(after, field)
        if last is None:
            page = page.filter(**{EMPTY: 1, f"id__{op}": pk})
        else:
            empty: dict[str, Any] = {EMPTY: 1}
            page = page.filter(Q(**empty) | Q(**{f"{SORT}__{op}": last}) | Q(**{SORT: last, f"id__{op}": pk}))
    prefix = "-" if descending else ""
    return page.order_by(EMPTY, f"{prefix}{SORT}", f"{prefix}id").limit(size + 1)


class Order(Protocol):
    """A list's orderBy input (CustomerOrder, ContactOrder, LeadOrder)."""

    @property
    def field(self) -> Enum: ...
    @property
    def direction(self) -> Enum: ...
    @property
    def custom_field(self) -> str | None: ...


async def paginate_ordered(
    query: QuerySet, entity: CustomEntity, order: Order, *, first: int | None, after: str | None, columns: Columns = None,
    count_query: QuerySet | None = None, counter: Counter | None = None,
) -> Connection:
    """A list's page in `order` (an XOrder input: `field`, `direction`, `customField`): by the custom field when
    one is named, else by the built-in column (only `columns` read). `count_query`: the same rows in a shape
    that counts faster (paging.paginate); a custom order reads the page from it too. `counter`: totalCount's
    answer in a shape of its own instead (reads.held_count)."""
    descending = order.direction.value == "desc"
    if order.custom_field is not None:
        connection = await paginate_by_custom(count_query or query, entity, order.custom_field, descending=descending,
                                              first=first, after=after)
    else:
        connection = await paginate(query, field=order.field.value, descending=descending, first=first, after=after,
                                    columns=columns, count_query=count_query)
    if counter is not None:
        connection.count_query = counter
    return connection
